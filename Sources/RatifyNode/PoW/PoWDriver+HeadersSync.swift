import RatifyCore
import RatifyNet
import RatifyPoW

/// Headers-first sync (docs/POW.md, "Joining a chain"), as Bitcoin Core's initial block
/// download: a node that learns of a block it cannot connect asks that peer for the headers
/// of its best chain after a locator of its own, checks each header's work, bits and time into
/// `headers` (a second `BlockTree` holding headers whose bodies may be missing), and then
/// fetches the bodies of the most-work header chain from every peer that served headers, a
/// window of `bodiesInFlightMax` at a time, oldest first. The bodies connect through
/// `accept` like any block (out-of-order arrivals wait in the orphan pool), so the ledger
/// checks are the same as for a relayed block.
extension PoWDriver {
    struct BodyRequest: Sendable {
        var peer: NodeID
        var sentMillis: Double
    }

    /// One run of body fetching, from the first body queued to the last connected.
    struct BodySyncProgress: Sendable {
        var startedMillis: Double
        var startHeight: UInt64
        var blocksByPeer: [NodeID: Int] = [:]
    }

    // MARK: Asking

    /// Hashes of the best header chain: the tip and its nine parents, then back by doubling
    /// steps, ending with the genesis.
    func locator() -> PoWLocator {
        var hashes: [Hash] = []
        var node = headers.bestTip()
        var step: UInt64 = 1
        while node.height > 0, hashes.count < PoWLocator.hashesMax - 1 {
            hashes.append(node.hash.asHash)
            if hashes.count >= 10 { step *= 2 }
            guard let next = headers.ancestor(of: node.hash, atHeight: node.height > step ? node.height - step : 0) else { break }
            node = next
        }
        hashes.append(headers.genesis.hash.asHash)
        return PoWLocator(hashes)
    }

    /// Asks `peer` for the headers after our best header chain, unless it was asked less than
    /// `requestRepeatMillis` ago and has not answered.
    func requestHeaders(from peer: NodeID) {
        let now = nowMillis()
        if let asked = headersAskedMillis[peer], now - asked < settings.requestRepeatMillis { return }
        headersAskedMillis[peer] = now
        if !peers.send(.powHeadersRequest(locator()), to: peer) { headersAskedMillis[peer] = nil }
    }

    // MARK: Answering

    /// Up to `PoWHeaderBatch.headersMax` headers of our best chain after the first locator
    /// hash on it (after the genesis when none is), oldest first; an empty batch when the
    /// asker is level with us.
    func serveHeaders(after locator: PoWLocator, to peer: NodeID) {
        var fork = tree.genesis
        for hash in locator.hashes {
            if let node = tree[PoWHash(hash)], tree.isAncestor(node.hash, of: tip.hash) {
                fork = node
                break
            }
        }
        var bytes: [UInt8] = []
        if tip.height > fork.height {
            let last = min(tip.height, fork.height + UInt64(PoWHeaderBatch.headersMax))
            var node = tree.ancestor(of: tip.hash, atHeight: last)
            var newestFirst: [PoWHash] = []
            while let current = node, current.height > fork.height {
                newestFirst.append(current.hash)
                node = tree[current.parent]
            }
            bytes.reserveCapacity(newestFirst.count * PoWHeaderBatch.headerBytes)
            for hash in newestFirst.reversed() {
                guard let block = try? store.pow.blockBytes(hash: hash.asHash), block.count >= PoWHeaderBatch.headerBytes else { break }
                bytes.append(contentsOf: block.prefix(PoWHeaderBatch.headerBytes))
            }
        }
        _ = peers.send(.powHeaders(PoWHeaderBatch(bytes)), to: peer)
    }

    /// Serves a body that headers-first sync asked for: the stored block, if we have it.
    func serveBlock(_ hash: Hash, to peer: NodeID) {
        guard let bytes = try? store.pow.blockBytes(hash: hash) else { return }
        _ = peers.send(.powBlock(PoWBlockBytes(bytes)), to: peer)
    }

    // MARK: Headers

    /// A batch of headers from `peer`: dropped unless we asked that peer; each header is
    /// checked into `headers` (a header that does not connect or lacks its work is the peer's
    /// fault); a full batch means the peer has more, so it is asked again at once.
    func received(_ batch: PoWHeaderBatch, from peer: NodeID) {
        guard headersAskedMillis.removeValue(forKey: peer) != nil else { return }
        var added = 0
        var aheadOfClock = false
        for index in 0..<batch.count {
            let header: BlockHeader80
            do {
                header = try BlockHeader80(bytes: Array(batch.header(index)))
            } catch {
                peers.disconnect(peer, reason: "undecodable proof-of-work header: \(error)", misbehaving: true)
                return
            }
            guard !headers.contains(header.hash) else { continue }
            do {
                _ = try headers.insert(header, nowSeconds: nowSeconds())
                added += 1
            } catch {
                if case .tooFarAhead = error {
                    aheadOfClock = true  // our clock may be behind: not the peer's fault; asked again on a later announcement
                    break
                }
                logger.warning("invalid header from peer", metadata: ["peer": "\(peer)", "reason": "\(error)"])
                peers.disconnect(peer, reason: "invalid proof-of-work header: \(error)", misbehaving: true)
                return
            }
        }
        if batch.count > 0, !bodySources.contains(peer) { bodySources.append(peer) }
        if batch.count > 0, let last = try? BlockHeader80(bytes: Array(batch.header(batch.count - 1))), headers.contains(last.hash) {
            peerHeaderTips[peer] = last.hash
        }
        if added > 0 || peerHeaderTips[peer].map({ !tree.contains($0) }) == true {
            let best = headers.bestTip()
            logger.debug("headers received", metadata: ["peer": "\(peer)", "added": "\(added)", "header_height": "\(best.height)"])
            rebuildBodyQueue()
        }
        if batch.count == PoWHeaderBatch.headersMax, !aheadOfClock { requestHeaders(from: peer) }
        requestBodies()
    }

    // MARK: Bodies

    /// Whether a block that just connected to the tree moves the tip now: always, unless it is
    /// a body sync fetched with more in flight and fewer than `syncConnectBatch` blocks wait.
    func movesTipNow(afterSolicited solicited: Bool) -> Bool {
        guard solicited, !bodiesInFlight.isEmpty else { return true }
        return tree.bestTip().height >= tip.height + settings.syncConnectBatch
    }

    /// The bodies to fetch: the best header chain above the last block we have on it, oldest
    /// first (empty when our tip has as much work).
    ///
    /// On a hybrid chain the fork choice is the most work *through the justified checkpoint*,
    /// which the checkpoint votes name only once the blocks are known: there the bodies of
    /// each peer's chain (the last header it sent) are fetched too, whatever their work.
    func rebuildBodyQueue() {
        bodyQueue = []
        bodyQueueNext = 0
        var targets: [BlockTree.Node] = []
        let best = headers.bestTip()
        if best.chainWork > tip.chainWork { targets.append(best) }
        if finality != nil {
            peerHeaderTips = peerHeaderTips.filter { !tree.contains($0.value) && headers.contains($0.value) }
            targets += peerHeaderTips.values.compactMap { headers[$0] }
        }
        var missing: [PoWHash: UInt64] = [:]
        for target in targets {
            var node = target
            while !tree.contains(node.hash), missing[node.hash] == nil, let parent = headers[node.parent] {
                missing[node.hash] = node.height
                node = parent
            }
        }
        bodyQueue = missing.sorted { ($0.value, $0.key.asHash) < ($1.value, $1.key.asHash) }.map(\.key)
        if bodySync == nil, !bodyQueue.isEmpty {
            bodySync = BodySyncProgress(startedMillis: nowMillis(), startHeight: tip.height)
            logger.info("fetching block bodies", metadata: ["from_height": "\(tip.height)", "header_height": "\(headers.bestTip().height)",
                                                           "peers": "\(bodySources.count)"])
        }
    }

    /// Logs the end of a body sync: how far the tip came, how fast, and from whom.
    func bodySyncEnded() {
        guard let sync = bodySync else { return }
        bodySync = nil
        let seconds = max(0.001, (nowMillis() - sync.startedMillis) / 1_000)
        let blocks = tip.height > sync.startHeight ? tip.height - sync.startHeight : 0
        let sources = sync.blocksByPeer.sorted { $0.value > $1.value }.map { "\($0.key.description.prefix(12))=\($0.value)" }
        logger.info("block bodies synced", metadata: [
            "height": "\(tip.height)", "blocks": "\(blocks)", "seconds": "\(String(format: "%.2f", seconds))",
            "blocks_per_second": "\(Int(Double(blocks) / seconds))", "bodies_by_peer": "\(sources.joined(separator: ","))",
        ])
    }

    /// Keeps up to `bodiesInFlightMax` body requests out, spread over the peers that served
    /// headers; a request unanswered for `requestRepeatMillis` goes to the next peer.
    func requestBodies() {
        guard !bodySources.isEmpty else { return }
        let now = nowMillis()
        for (hash, request) in bodiesInFlight {
            if tree.contains(hash) || orphans.contains(hash) {
                bodiesInFlight[hash] = nil
            } else if now - request.sentMillis >= settings.requestRepeatMillis {
                bodiesInFlight[hash] = nil
                askForBody(hash, avoiding: request.peer, now: now)
            }
        }
        while bodiesInFlight.count < settings.bodiesInFlightMax, bodyQueueNext < bodyQueue.count {
            let hash = bodyQueue[bodyQueueNext]
            bodyQueueNext += 1
            guard !tree.contains(hash), !orphans.contains(hash), bodiesInFlight[hash] == nil else { continue }
            guard askForBody(hash, avoiding: nil, now: now) else {
                bodyQueueNext -= 1  // no peer left to ask: the next headers from anyone resume here
                return
            }
        }
    }

    /// Sends one body request to the next peer in turn (another than `avoiding` when there
    /// is one); a peer that is gone leaves `bodySources`. False when no peer is left.
    @discardableResult
    private func askForBody(_ hash: PoWHash, avoiding: NodeID?, now: Double) -> Bool {
        while !bodySources.isEmpty {
            nextBodySource = (nextBodySource + 1) % bodySources.count
            let peer = bodySources[nextBodySource]
            if peer == avoiding, bodySources.count > 1 { continue }
            if peers.send(.powBlockRequest(hash: hash.asHash), to: peer) {
                bodiesInFlight[hash] = BodyRequest(peer: peer, sentMillis: now)
                return true
            }
            bodySources.remove(at: nextBodySource)
        }
        return false
    }
}
