import Foundation
import Logging
import RatifyClient
import RatifyCore
import RatifyNode
import RatifyStore

/// State sync, run by `ratify start` before the node opens its store (docs/STATESYNC.md):
/// with `[statesync] enable = true` and an empty store, it picks the newest snapshot at or above
/// the trust height that the RPC servers offer, verifies the chain of light blocks from the
/// trusted block to the snapshot's height + 1 (each block from the servers in turn), fetches
/// the chunks from every server offering that snapshot in turn, checks each against the
/// manifest as it arrives, checks the whole snapshot against the verified headers, and only
/// then writes it to the store in one transaction. A server that sends something that fails a
/// check is dropped for the rest of the run; if none is left, nothing was written and start
/// fails with the reason. The node then starts at the snapshot's height and block-syncs the rest.
struct StateSyncRunner {
    let home: NodeHome
    let config: StateSyncConfig
    let genesis: Genesis
    let logger: Logger

    /// How long to wait for the block after the snapshot (the snapshot may be at the tip).
    static let nextBlockWaitSeconds = 30.0

    struct Server {
        let address: HostPort
        let client: RPCClient
    }

    /// Restores a verified snapshot into an empty store; false when the store already holds a
    /// chain (the node starts from it, as without state sync).
    func runIfNeeded() async throws -> Bool {
        let store = try NodeStore.open(dataDirectory: home.dataDirectory, genesis: genesis)
        defer { store.close() }
        guard try store.blocks.latestHeight() == 0 else {
            logger.info("state sync skipped: the store already holds blocks")
            return false
        }
        guard let trustHash = config.trustHash else { throw StateSyncFailure("statesync.trust_hash is not set") }
        let started = Date()
        var servers = config.rpcServers.map { Server(address: $0, client: RPCClient(node: NodeURL(endpoint: $0), timeout: .seconds(10))) }
        var lights: [LightBlock] = []
        var attempt = 0
        while true {
            attempt += 1
            let (manifest, offering) = try await chooseSnapshot(servers: servers)
            logger.info("state sync: snapshot chosen", metadata: [
                "height": "\(manifest.height)", "hash": "\(manifest.hash)", "chunks": "\(manifest.chunkHashes.count)",
                "servers": "\(offering.map(\.description).joined(separator: ","))", "trust_height": "\(config.trustHeight)",
            ])
            // Verified once: a later attempt extends the chain from where this one ended.
            lights += try await verifiedLightBlocks(from: (lights.last?.header.height).map { $0 + 1 } ?? config.trustHeight,
                                                    through: manifest.height + 1, after: lights.last, trustHash: trustHash,
                                                    servers: &servers)
            guard let snapshotBlock = lights.first(where: { $0.header.height == manifest.height }),
                  let next = lights.first(where: { $0.header.height == manifest.height + 1 }) else {
                throw StateSyncFailure("light blocks \(manifest.height) and \(manifest.height + 1) are missing")
            }
            var sources = servers.filter { offering.contains($0.address) }
            let chunks: [[UInt8]]
            do {
                chunks = try await fetchChunks(manifest, from: &sources)
            } catch let failure as SnapshotGone where attempt < Self.attemptsMax {
                // Pruned by its servers meanwhile (they keep only the newest few): choose again.
                logger.info("state sync: the snapshot is gone from its servers; choosing again", metadata: ["reason": "\(failure)"])
                continue
            }
            try restore(manifest, chunks: chunks, at: snapshotBlock, next: next, into: store)
            logger.info("state sync restored", metadata: [
                "height": "\(manifest.height)", "app_hash": "\(manifest.appHash)", "state_entries": "\(manifest.stateEntries)",
                "chunks": "\(chunks.count)", "light_blocks": "\(lights.count)", "attempts": "\(attempt)",
                "seconds": "\(String(format: "%.2f", Date().timeIntervalSince(started)))",
            ])
            return true
        }
    }

    /// Attempts at a snapshot before state sync gives up (each after the last was pruned away).
    static let attemptsMax = 3

    /// The chosen snapshot is no longer offered by any of its servers.
    struct SnapshotGone: Error, CustomStringConvertible {
        var description: String
    }

    /// Checks the snapshot against the verified blocks and writes it, or throws with nothing written.
    func restore(_ manifest: SnapshotManifest, chunks: [[UInt8]], at snapshotBlock: LightBlock, next: LightBlock, into store: NodeStore) throws {
        let restorable: StateSyncVerifier.Restorable
        do {
            restorable = try StateSyncVerifier.verifySnapshot(manifest, chunks: chunks, at: snapshotBlock, next: next)
        } catch {
            throw StateSyncFailure("snapshot \(manifest.height) refused, nothing written: \(error)")
        }
        try store.restoreSnapshot(height: manifest.height, blockBytes: snapshotBlock.block.canonicalBytes,
                                  commitBytes: snapshotBlock.commit.canonicalBytes, blockHash: manifest.blockHash,
                                  appHash: manifest.appHash, validatorSets: restorable.validatorSets, statePairs: restorable.statePairs)
    }

    /// The newest snapshot at or above the trust height, by manifest hash, and the servers
    /// offering exactly it.
    func chooseSnapshot(servers: [Server]) async throws -> (SnapshotManifest, [HostPort]) {
        var offers: [Hash: (manifest: SnapshotManifest, servers: [HostPort])] = [:]
        var problems: [String] = []
        for server in servers {
            do {
                let body = try await server.client.get("/snapshots").success()
                for item in body["snapshots"]?.arrayValue ?? [] {
                    guard let hex = item["manifest"]?.stringValue, let bytes = Hex.decode(hex),
                          let manifest = try? SnapshotManifest(canonicalBytes: bytes),
                          manifest.height >= config.trustHeight, manifest.height < UInt64.max - 2,
                          manifest.format == SnapshotManifest.currentFormat else { continue }
                    offers[manifest.hash, default: (manifest, [])].servers.append(server.address)
                }
            } catch {
                problems.append("\(server.address): \(error)")
            }
        }
        guard let best = offers.values.max(by: { ($0.manifest.height, $0.servers.count) < ($1.manifest.height, $1.servers.count) }) else {
            throw StateSyncFailure("no RPC server offers a snapshot at or above trust height \(config.trustHeight)"
                                   + (problems.isEmpty ? "" : " (\(problems.joined(separator: "; ")))"))
        }
        return (best.manifest, best.servers)
    }

    /// Light blocks `first ... last`, each verified against the one before (the first against
    /// `after`, or against the trusted hash), asked of the servers in turn a run at a time
    /// (`/light_blocks`, up to 100 a request); a server whose answer does not decode or whose
    /// block fails is dropped, keeping the blocks of its run that verified before it.
    func verifiedLightBlocks(from first: UInt64, through last: UInt64, after: LightBlock?, trustHash: Hash,
                             servers: inout [Server]) async throws -> [LightBlock] {
        var verified: [LightBlock] = []
        var previous = after
        var turn = 0
        var height = first
        // Per height: a block not there yet (the snapshot may be at the tip) is waited for this long.
        var deadline = Date().addingTimeInterval(Self.nextBlockWaitSeconds)
        while height <= last {
            guard !servers.isEmpty else { throw StateSyncFailure("every RPC server was dropped; last at light block \(height)") }
            turn = (turn + 1) % servers.count
            let server = servers[turn]
            let run: [LightBlock]
            do {
                run = try await lightBlocks(from: height, count: min(last - height + 1, 100), server: server)
            } catch let failure as StateSyncFailure {
                logger.warning("state sync: dropping RPC server", metadata: ["server": "\(server.address)", "reason": "\(failure)"])
                servers.remove(at: turn)
                continue
            } catch let error as ClientError {
                // Unreachable, or busy: ask the next server, for a while.
                guard Date() < deadline else { throw StateSyncFailure("light block \(height): \(error)") }
                try await Task.sleep(for: .milliseconds(200))
                continue
            }
            guard !run.isEmpty else {
                // Not there yet (the snapshot may be at the tip): ask again, for a while.
                guard Date() < deadline else { throw StateSyncFailure("no RPC server has light block \(height)") }
                try await Task.sleep(for: .milliseconds(200))
                continue
            }
            for light in run {
                do {
                    try StateSyncVerifier.verifyNext(light, after: previous, trustHash: trustHash, chainID: genesis.chainID)
                } catch {
                    logger.warning("state sync: dropping RPC server", metadata: ["server": "\(server.address)", "reason": "\(error)"])
                    servers.remove(at: turn)
                    break
                }
                verified.append(light)
                previous = light
                height += 1
                deadline = Date().addingTimeInterval(Self.nextBlockWaitSeconds)
            }
        }
        return verified
    }

    /// Up to `count` consecutive light blocks from `height` (fewer when the server has fewer).
    func lightBlocks(from height: UInt64, count: UInt64, server: Server) async throws -> [LightBlock] {
        let body = try await server.client.get("/light_blocks?from=\(height)&count=\(count)").success()
        guard let items = body["light_blocks"]?.arrayValue, UInt64(items.count) <= count else {
            throw StateSyncFailure("light blocks from \(height) from \(server.address): not a list of at most \(count)")
        }
        var run: [LightBlock] = []
        for (offset, item) in items.enumerated() {
            let expected = height + UInt64(offset)
            guard let block = item["block"]?.stringValue.flatMap({ Hex.decode($0) }).flatMap({ try? Block(canonicalBytes: $0) }),
                  let commit = item["commit"]?.stringValue.flatMap({ Hex.decode($0) }).flatMap({ try? Commit(canonicalBytes: $0) }),
                  let set = item["validators"]?.stringValue.flatMap({ Hex.decode($0) }).flatMap({ try? ValidatorSet(canonicalBytes: $0) }),
                  block.header.height == expected else {
                throw StateSyncFailure("light block \(expected) from \(server.address) does not decode, or is for another height")
            }
            run.append(LightBlock(block: block, commit: commit, validators: set))
        }
        return run
    }

    /// Every chunk of `manifest`, asked of `sources` in turn; a chunk that does not hash to its
    /// manifest entry drops its server, and the chunk is asked of the next.
    func fetchChunks(_ manifest: SnapshotManifest, from sources: inout [Server]) async throws -> [[UInt8]] {
        var chunks: [[UInt8]] = []
        var turn = 0
        var missingAt: Set<HostPort> = []
        while chunks.count < manifest.chunkHashes.count {
            let index = chunks.count
            guard !sources.isEmpty else {
                throw StateSyncFailure("no server left to fetch chunk \(index) of snapshot \(manifest.height) from; nothing written")
            }
            turn = (turn + 1) % sources.count
            let server = sources[turn]
            let bytes: [UInt8]
            do {
                let body = try await server.client.get("/snapshot_chunk?height=\(manifest.height)&index=\(index)").success()
                guard let decoded = body["chunk"]?.stringValue.flatMap({ Hex.decode($0) }) else {
                    throw ClientError.badResponse(node: server.address.description, reason: "chunk \(index) is not hex")
                }
                bytes = decoded
            } catch let error as ClientError {
                if case .rejected(let status, _, _) = error, status == 429 {
                    try await Task.sleep(for: .milliseconds(100))
                    continue
                }
                if case .rejected(let status, _, _) = error, status == 404 {
                    missingAt.insert(server.address)
                    if missingAt.count == sources.count {
                        throw SnapshotGone(description: "no server offers snapshot \(manifest.height) any more")
                    }
                    continue
                }
                logger.warning("state sync: dropping RPC server", metadata: ["server": "\(server.address)", "reason": "chunk \(index): \(error)"])
                sources.remove(at: turn)
                continue
            }
            guard Hash.sha256(bytes) == manifest.chunkHashes[index] else {
                logger.warning("state sync: dropping RPC server", metadata: [
                    "server": "\(server.address)", "reason": "chunk \(index) does not hash to its manifest entry",
                ])
                sources.remove(at: turn)
                continue
            }
            chunks.append(bytes)
        }
        return chunks
    }
}
