@_spi(Simulation) import RatifyConsensus
import RatifyCore

/// The simulated node shell: what the real node's driver does with its core, in the same
/// order (docs/CONSENSUS.md, "Effects"): log the input to the WAL, hand it to the core, then for each effect
/// persist the signer state, sign, log and broadcast, feed the signed message back; store a
/// decision and report the height applied; schedule timers; fetch blocks.
extension Simulation {
    // MARK: - Feeding the core

    /// Hands `input` to `node`'s core, then everything its effects feed back, in order. A
    /// message the core cannot use yet (a later height or round) is not kept by the shell, as
    /// the node's driver does not keep it: only gossip sends it again (`gossipTick`).
    mutating func feed(_ node: Int, _ input: ConsensusInput, log: Bool, replaying: Bool = false) {
        var work: [WorkItem] = [WorkItem(input: input, log: log)]
        var cursor = 0
        var proposalRequests: [(Height, Round)] = []
        while cursor < work.count && violation == nil {
            let next = work[cursor]
            cursor += 1
            let heightBefore = nodes[node].core.height
            if next.log {
                if nodes[node].walHeight != heightBefore {
                    nodes[node].wal = []
                    nodes[node].walHeight = heightBefore
                }
                nodes[node].wal.append(next.input)
            }
            let bufferedBefore = nodes[node].core.counters.futureHeightVotesBuffered
            let effects = nodes[node].core.handle(next.input)
            if next.log && nodes[node].core.counters.futureHeightVotesBuffered > bufferedBefore {
                nodes[node].walNext.append(next.input)
            }
            if nodes[node].core.height != heightBefore {
                // The WAL of the new height starts with the votes the core buffered for it.
                nodes[node].wal = nodes[node].walNext
                nodes[node].walNext = []
                nodes[node].walHeight = nodes[node].core.height
            }
            for effect in effects {
                perform(effect, at: node, replaying: replaying, work: &work, proposalRequests: &proposalRequests)
            }
            if nodes[node].core.height != heightBefore {
                pruneGossip(node)
            }
        }
        if !replaying { askForLackingPrevotes(node, again: false) }
        if replaying {
            // getValue() answers wait until the WAL is replayed: the replayed own proposal
            // (if any) must win over a fresh block for the same round.
            for (height, round) in proposalRequests {
                pendingAnswers.append((node, height, round))
            }
        } else {
            for (height, round) in proposalRequests {
                feed(node, .proposalBlock(buildBlock(at: node, height: height, round: round), height: height, round: round),
                     log: false)
            }
        }
    }

    // MARK: - Effects

    private mutating func perform(_ effect: ConsensusEffect, at node: Int, replaying: Bool,
                                  work: inout [WorkItem],
                                  proposalRequests: inout [(Height, Round)]) {
        switch effect {
        case .signVote(let vote):
            if nodes[node].isHonest { checkOwnVote(vote, at: node) }
            guard !replaying else { return }
            if nodes[node].isHonest {
                let step: SimSigner.Step = vote.type == .prevote ? .prevote : .precommit
                guard nodes[node].signer.allow(height: vote.height, round: vote.round, step: step, value: vote.blockID) else {
                    fail(.doubleSign, height: vote.height, node: node, "signer refused \(vote.type) for \(describe(vote.blockID)) at round \(vote.round)")
                    return
                }
            }
            let signed = sign(vote, identity: nodes[node].identity)
            let id = record(.vote(signed), from: node, height: vote.height, round: vote.round)
            if config.trace { let line = "signs \(vote.type) r\(vote.round) \(describe(vote.blockID))"; note(node, vote.height, line) }
            storeVote(id, signed, at: node)
            sendVote(id, signed, from: node)
            work.append(WorkItem(input: .vote(VerifiedVote(unchecked: signed)), log: true))

        case .signProposal(let proposal, let block):
            if nodes[node].isHonest { checkOwnProposal(proposal, at: node) }
            guard !replaying else { return }
            if nodes[node].isHonest {
                guard nodes[node].signer.allow(height: proposal.height, round: proposal.round, step: .proposal, value: proposal.blockID) else {
                    fail(.doubleSign, height: proposal.height, node: node, "signer refused a proposal at round \(proposal.round)")
                    return
                }
            }
            let signed = sign(proposal, identity: nodes[node].identity)
            recordProposal(signed)
            blockTable[signed.blockID] = block
            let id = record(.proposal(signed, block), from: node, height: proposal.height, round: proposal.round)
            if config.trace { let line = "proposes r\(proposal.round) \(signed.blockID) pol=\(signed.polRound.map(String.init) ?? "-")"; note(node, proposal.height, line) }
            nodes[node].ownProposal = id
            sendProposal(id, signed, block, from: node)
            work.append(WorkItem(input: .proposal(VerifiedProposal(unchecked: signed), block: block,
                                                  blockIsValid: isValid(block, at: node)), log: true))

        case .scheduleTimeout(let event, let afterMillis):
            timers.append(SimTimer(node: node, incarnation: nodes[node].incarnation, event: event))
            queue.push(at: now &+ afterMillis, .timeout, node: node, payload: timers.count - 1)

        case .decide(let block, let commit):
            if config.trace { let line = "DECIDES \(block.id) in round \(commit.round)"; note(node, block.height, line) }
            store(block, commit, at: node)
            work.append(WorkItem(input: .heightApplied(block.height, validatorsForHeightPlus2: ledger.set(block.height + 2)), log: false))

        case .requestProposalBlock(let height, let round):
            proposalRequests.append((height, round))

        case .requestBlock(let blockID, let height):
            guard let block = blockTable[blockID] else { return }
            if config.trace { let line = "fetches block \(blockID)"; note(node, height, line) }
            fetches.append(block)
            let peer = (node + 1) % nodes.count
            queue.push(at: now + network.latency(from: peer, to: node, now: now), .blockFetched, node: node, payload: fetches.count - 1)

        case .evidence(let evidence):
            evidenceReported += 1
            checkAccusation(evidence, at: node)

        case .resendVotes(let votes):
            guard !replaying else { return }
            resend(votes, from: node)
            // The node re-announces its round state with the re-sent votes (`ConsensusGossip.reannounce()`).
            askForLackingPrevotes(node, again: true)
        }
    }

    // MARK: - Sending

    /// Appends a message to the table.
    private mutating func record(_ content: SimMessage.Content, from node: Int, height: Height, round: Round) -> Int {
        messages.append(SimMessage(content: content, sender: node, height: height, round: round, signatureValid: nil))
        return messages.count - 1
    }

    mutating func send(_ id: Int, from: Int, to: Int) {
        guard from != to else { return }
        messagesSent += 1
        noteSent(id, from: from, to: to)
        switch network.route(from: from, to: to, now: now) {
        case .lost:
            break
        case .deliver(let delay, let duplicate):
            queue.push(at: now + delay, .deliver, node: to, payload: id)
            if let duplicate {
                messagesSent += 1
                queue.push(at: now + duplicate, .deliver, node: to, payload: id)
            }
        }
    }

    private mutating func broadcast(_ id: Int, from node: Int) {
        for peer in nodes.indices where peer != node { send(id, from: node, to: peer) }
    }

    /// Sends votes this node signed earlier to every peer again, as new messages over the
    /// faulty network (the node's driver sends them past its gossip's "peer has it" filter).
    /// Byzantine shells that do not broadcast their votes do not re-send them either.
    private mutating func resend(_ votes: [Vote], from node: Int) {
        switch nodes[node].behavior {
        case nil, .twin?, .equivocatingProposer?:
            for vote in votes {
                messages.append(SimMessage(content: .vote(vote), sender: node, height: vote.height, round: vote.round,
                                           signatureValid: nil))
                if config.trace { let line = "re-sends \(vote.type) r\(vote.round) \(describe(vote.blockID))"; note(node, vote.height, line) }
                broadcast(messages.count - 1, from: node)
            }
        case .withholder?, .partialSender?, .doubleVoter?:
            break
        }
    }

    /// The node's `peer_state` names the POL round whose prevotes its core lacks
    /// (`Consensus.polRoundLacking`): sent to every peer over the faulty network when that
    /// changes, and `again` when a stalled round re-announces, as the node's driver does.
    private mutating func askForLackingPrevotes(_ node: Int, again: Bool) {
        guard !nodes[node].crashed, let polRound = nodes[node].core.polRoundLacking else { return }
        let height = nodes[node].core.height
        let round = nodes[node].core.round
        if !again, let asked = nodes[node].polRoundAsked, asked == (height, round, polRound) { return }
        nodes[node].polRoundAsked = (height, round, polRound)
        messages.append(SimMessage(content: .prevotesWanted(height, polRound), sender: node, height: height, round: round,
                                   signatureValid: true))
        if config.trace { let line = "asks for the prevotes of POL round \(polRound)"; note(node, height, line) }
        broadcast(messages.count - 1, from: node)
    }

    /// A peer's gossip answers an announcement that lacks a round's prevotes with the prevotes
    /// it holds there (one per validator, as the node's vote store keeps them), if it is at
    /// that height. Byzantine shells that do not broadcast votes do not answer either.
    private mutating func answerPrevotesWanted(height: Height, round: Round, from asker: Int, at node: Int) {
        switch nodes[node].behavior {
        case nil, .twin?, .equivocatingProposer?:
            break
        case .withholder?, .partialSender?, .doubleVoter?:
            return
        }
        guard nodes[node].core.height == height else { return }
        let prevotes = nodes[node].core.prevotes(round: round)
        if config.trace && !prevotes.isEmpty {
            let line = "sends \(prevotes.count) prevote(s) of r\(round) to n\(asker)"; note(node, height, line)
        }
        for vote in prevotes {
            messages.append(SimMessage(content: .vote(vote), sender: node, height: height, round: round, signatureValid: nil))
            send(messages.count - 1, from: node, to: asker)
        }
    }

    /// A seeded split of the peers into two halves (for equivocation), or a random subset.
    private mutating func peerSides(excluding node: Int) -> [Bool] {
        nodes.indices.map { $0 != node && byzantineRandom.below(2) == 0 }
    }

    private mutating func sendVote(_ id: Int, _ vote: Vote, from node: Int) {
        switch nodes[node].behavior {
        case nil, .twin?, .equivocatingProposer?:
            broadcast(id, from: node)
        case .withholder?:
            break
        case .partialSender?:
            let sides = peerSides(excluding: node)
            for peer in nodes.indices where sides[peer] { send(id, from: node, to: peer) }
        case .doubleVoter?:
            var other = vote
            other.blockID = vote.blockID == nil ? BlockID(hash: Hash.sha256(withUnsafeBytes(of: byzantineRandom.next()) { Array($0) })) : nil
            other = sign(other, identity: nodes[node].identity)
            let otherID = record(.vote(other), from: node, height: other.height, round: other.round)
            let sides = peerSides(excluding: node)
            for peer in nodes.indices where peer != node {
                send(sides[peer] ? id : otherID, from: node, to: peer)
            }
        }
    }

    private mutating func sendProposal(_ id: Int, _ proposal: Proposal, _ block: Block, from node: Int) {
        switch nodes[node].behavior {
        case nil, .twin?, .withholder?, .doubleVoter?:
            broadcast(id, from: node)
        case .partialSender?:
            let sides = peerSides(excluding: node)
            for peer in nodes.indices where sides[peer] { send(id, from: node, to: peer) }
        case .equivocatingProposer?:
            // A second block for the same round; one time in four it is also invalid.
            var header = block.header
            header.timeMillis += 1
            if byzantineRandom.below(4) == 0 { header.validatorsHash = .zero }
            let other = Block(header: header, transactions: block.transactions, evidence: block.evidence, lastCommit: block.lastCommit)
            var second = proposal
            second.blockID = other.id
            second = sign(second, identity: nodes[node].identity)
            recordProposal(second)
            blockTable[second.blockID] = other
            let otherID = record(.proposal(second, other), from: node, height: second.height, round: second.round)
            let sides = peerSides(excluding: node)
            for peer in nodes.indices where peer != node {
                send(sides[peer] ? id : otherID, from: node, to: peer)
            }
        }
    }

    // MARK: - Delivering

    /// Message `id` arrives at `node`.
    mutating func deliver(_ id: Int, to node: Int) {
        guard !nodes[node].crashed else { return }
        switch messages[id].content {
        case .vote(let vote):
            // The node's seen-set drops a copy of a vote it holds before anything else looks at it.
            guard !holdsVote(vote, at: node), signatureValid(id) else { return }
            relayIfNeeded(id, at: node)
            if config.trace { let line = "receives \(vote.type) r\(vote.round) \(describe(vote.blockID)) from n\(messages[id].sender)"; note(node, vote.height, line) }
            storeVote(id, vote, at: node)
            feed(node, .vote(VerifiedVote(unchecked: vote)), log: true)
        case .proposal(let proposal, let block):
            guard signatureValid(id) else { return }
            relayIfNeeded(id, at: node)
            if config.trace { let line = "receives proposal r\(proposal.round) \(proposal.blockID) from n\(messages[id].sender)"; note(node, proposal.height, line) }
            let valid = proposal.height == nodes[node].core.height && isValid(block, at: node, messageID: id)
            noteProposalReceived(proposal, at: node)
            feed(node, .proposal(VerifiedProposal(unchecked: proposal), block: block, blockIsValid: valid), log: true)
        case .decided(let block, _):
            // Block sync: a batch starting at this block's height from the sender's store.
            receiveSync(from: messages[id].sender, startingAt: block.height, to: node)
        case .prevotesWanted(let height, let round):
            answerPrevotesWanted(height: height, round: round, from: messages[id].sender, at: node)
        }
    }

    /// Gossip: the paper's model (and CometBFT's gossip) has every message a correct process
    /// receives eventually reach every correct process. Honest nodes broadcast their own
    /// messages, so only what a byzantine node sent to some peers needs relaying: the first
    /// honest node to receive it forwards it to everyone, once.
    private mutating func relayIfNeeded(_ id: Int, at node: Int) {
        guard !messages[id].relayed, nodes[node].isHonest, !nodes[messages[id].sender].isHonest else { return }
        messages[id].relayed = true
        if config.trace { let line = "relays message \(id) from byzantine n\(messages[id].sender)"; note(node, messages[id].height, line) }
        for peer in nodes.indices where peer != node && peer != messages[id].sender { send(id, from: node, to: peer) }
    }

    /// Checks the signature of message `id` once (ed25519 runs); modeled runs trust it.
    private mutating func signatureValid(_ id: Int) -> Bool {
        guard config.crypto == .ed25519 else { return true }
        if let known = messages[id].signatureValid { return known }
        let valid: Bool
        switch messages[id].content {
        case .vote(let vote):
            valid = VerifiedVote(verifying: vote, chainID: Simulation.chainID, validators: ledger.set(vote.height)) != nil
        case .proposal(let proposal, _):
            valid = VerifiedProposal(verifying: proposal, chainID: Simulation.chainID, validators: ledger.set(proposal.height)) != nil
        case .decided, .prevotesWanted:
            valid = true
        }
        messages[id].signatureValid = valid
        return valid
    }

    // MARK: - Signing and blocks

    func sign(_ vote: Vote, identity: Int) -> Vote {
        guard config.crypto == .ed25519 else { return vote }
        var signed = vote
        signed.signature = keys[identity].sign(vote.signBytes(chainID: Simulation.chainID))
        return signed
    }

    func sign(_ proposal: Proposal, identity: Int) -> Proposal {
        guard config.crypto == .ed25519 else { return proposal }
        var signed = proposal
        signed.signature = keys[identity].sign(proposal.signBytes(chainID: Simulation.chainID))
        return signed
    }

    /// getValue(): an empty block on top of this node's store. The time is the simulated clock
    /// plus the node index, so twin copies propose different blocks, as two machines would.
    mutating func buildBlock(at node: Int, height: Height, round: Round) -> Block {
        let last = height > 1 && nodes[node].store.count >= Int(height - 1) ? nodes[node].store[Int(height - 2)] : nil
        return Block.make(chainID: Simulation.chainID, height: height,
                          timeMillis: Simulation.genesisTimeMillis + now * 1_000 + UInt64(node),
                          lastBlockID: last?.block.id ?? .zero, lastCommit: last?.commit, transactions: [], evidence: [],
                          validatorsHash: ledger.hash(height), nextValidatorsHash: ledger.hash(height + 1),
                          appHash: last.map { Hash.sha256($0.block.id.hash.bytes) } ?? .zero,
                          proposerAddress: addresses[nodes[node].identity])
    }

    /// valid(v) as the node's state checks would judge it: well formed, on top of this node's
    /// last decided block with a 2/3+ last commit for it, and naming the right validator sets.
    mutating func isValid(_ block: Block, at node: Int, messageID: Int? = nil) -> Bool {
        let height = block.height
        guard height >= 1, height == nodes[node].decidedHeight + 1 else { return false }
        let expectedLast = height == 1 ? BlockID.zero : nodes[node].store[Int(height - 2)].block.id
        guard block.header.lastBlockID == expectedLast else { return false }
        // The rest depends on the block alone: checked once per message.
        if let messageID, let known = messages[messageID].blockWellFormed { return known }
        let wellFormed = isWellFormed(block)
        if let messageID { messages[messageID].blockWellFormed = wellFormed }
        return wellFormed
    }

    /// The state-free part of valid(v): body hashes, chain, validator sets, and a 2/3+ last
    /// commit for the block it extends.
    private mutating func isWellFormed(_ block: Block) -> Bool {
        let height = block.height
        guard block.header.chainID == Simulation.chainID else { return false }
        do { try block.validateBody() } catch { return false }
        guard block.header.validatorsHash == ledger.hash(height),
              block.header.nextValidatorsHash == ledger.hash(height + 1) else { return false }
        if height == 1 { return block.header.lastBlockID == .zero }
        guard let lastCommit = block.lastCommit, lastCommit.blockID == block.header.lastBlockID else { return false }
        return commitHasQuorum(lastCommit, set: ledger.set(height - 1))
    }

    /// 2/3+ of `set`'s power signed for the commit's block (signatures checked in ed25519 runs).
    func commitHasQuorum(_ commit: Commit, set: ValidatorSet) -> Bool {
        let members = set.validators
        guard commit.signatures.count == members.count else { return false }
        var power: Int64 = 0
        for (index, signature) in commit.signatures.enumerated() {
            guard case .commit = signature else { continue }
            if config.crypto == .ed25519 {
                guard let vote = commit.vote(at: index, address: members[index].address),
                      members[index].publicKey.verify(vote.signature, message: vote.signBytes(chainID: Simulation.chainID))
                else { return false }
            }
            power += members[index].votingPower
        }
        return set.hasTwoThirdsMajority(power)
    }

    // MARK: - Storage, crash and restart, block sync

    mutating func store(_ block: Block, _ commit: Commit, at node: Int) {
        guard Int(block.height) == nodes[node].store.count + 1 else { return }
        if nodes[node].isHonest { checkDecision(block, commit, at: node) }
        nodes[node].store.append((block, commit))
        nodes[node].lastProgressMillis = now
        if nodes[node].isHonest && nodes[node].store.count == config.heights { honestFinished += 1 }
    }

    /// Restart from exactly what a node persists: its store, signer state and the WAL of the
    /// height it was in. The core is rebuilt, started, and the WAL replayed through it; the
    /// replayed votes go into the (empty) gossip vote store, as the node's driver `keep`s them.
    /// Peers then send it what it lacks on their gossip ticks, as after the node's reconnect.
    mutating func restart(_ node: Int) {
        guard nodes[node].crashed else { return }
        nodes[node].crashed = false
        nodes[node].incarnation &+= 1
        nodes[node].polRoundAsked = nil
        let height = nodes[node].decidedHeight + 1
        if config.trace { let line = "restarts at height \(height), replaying \(nodes[node].walHeight == height ? nodes[node].wal.count : 0) WAL entries"; note(node, height, line) }
        rebuildCore(node, height: height)
        let wal = nodes[node].walHeight == height ? nodes[node].wal : nodes[node].walNext
        if nodes[node].walHeight != height {
            // Crashed in the commit wait: the next height's WAL is the votes buffered for it.
            nodes[node].wal = wal
            nodes[node].walHeight = height
        }
        nodes[node].walNext = []
        pendingAnswers = []
        feed(node, .start, log: false, replaying: true)
        for input in wal where violation == nil {
            feed(node, input, log: false, replaying: true)
        }
        let answers = pendingAnswers
        pendingAnswers = []
        for (answerNode, answerHeight, answerRound) in answers {
            feed(answerNode, .proposalBlock(buildBlock(at: answerNode, height: answerHeight, round: answerRound),
                                            height: answerHeight, round: answerRound), log: false)
        }
        nodes[node].lastProgressMillis = max(nodes[node].lastProgressMillis, now)
        for input in wal {
            guard case .vote(let verified) = input else { continue }
            let vote = verified.vote
            messages.append(SimMessage(content: .vote(vote), sender: node, height: vote.height, round: vote.round,
                                       signatureValid: nil))
            storeVote(messages.count - 1, vote, at: node)
        }
        // As the node's driver does after its WAL replay: the votes it signed before the crash
        // may never have left it, and peers that missed them have no other source.
        let own = nodes[node].core.latestOwnVotes()
        if !own.isEmpty { resend(own, from: node) }
        askForLackingPrevotes(node, again: true)
    }

    private mutating func rebuildCore(_ node: Int, height: Height) {
        nodes[node].core = Consensus(parameters: config.parameters, me: addresses[nodes[node].identity], height: height,
                                     validators: ledger.set(height), nextValidators: ledger.set(height + 1))
    }

    /// Block sync: if a reachable peer decided this node's height, it sends its decided blocks
    /// from there (up to 100) with their commits.
    mutating func syncTick(_ node: Int) {
        guard !nodes[node].crashed, !nodes[node].syncInFlight else { return }
        let height = nodes[node].core.height
        var peer = (node + 1) % nodes.count
        for _ in 1..<max(2, nodes.count) {
            defer { peer = (peer + 1) % nodes.count }
            guard peer != node, !nodes[peer].crashed, nodes[peer].decidedHeight >= height else { continue }
            if let sides = network.partitionSides, sides[peer] != sides[node] { continue }
            let (block, commit) = nodes[peer].store[Int(height - 1)]
            messages.append(SimMessage(content: .decided(block, commit), sender: peer, height: height, round: commit.round,
                                       signatureValid: true))
            nodes[node].syncInFlight = true
            messagesSent += 1
            queue.push(at: now + network.latency(from: peer, to: node, now: now), .deliver, node: node, payload: messages.count - 1)
            return
        }
    }

    private mutating func receiveSync(from peer: Int, startingAt start: Height, to node: Int) {
        nodes[node].syncInFlight = false
        var height = nodes[node].decidedHeight + 1
        guard height >= start else { return }
        let last = min(nodes[peer].decidedHeight, height + 99)
        var applied = 0
        while height <= last && violation == nil {
            let (block, commit) = nodes[peer].store[Int(height - 1)]
            // The checks a block-sync client makes before applying: the block extends ours, and
            // its commit is 2/3+ of the height's set for it.
            guard commit.height == height, commit.blockID == block.id, isValid(block, at: node),
                  commitHasQuorum(commit, set: ledger.set(height)) else { break }
            store(block, commit, at: node)
            applied += 1
            height += 1
        }
        guard applied > 0 else { return }
        if config.trace { let line = "block sync applied \(applied) height(s) from n\(peer); consensus restarts at height \(height)"; note(node, height, line) }
        let previous = nodes[node].core
        rebuildCore(node, height: height)
        // Votes the old core buffered for the new height count there, as in the node's driver;
        // they head the new height's WAL, as their inputs did in `walNext`.
        nodes[node].core.inheritBufferedVotes(from: previous)
        nodes[node].wal = previous.height + 1 == height ? nodes[node].walNext : []
        nodes[node].walNext = []
        nodes[node].walHeight = height
        pruneGossip(node)
        feed(node, .start, log: false)
    }

    func describe(_ blockID: BlockID?) -> String {
        blockID.map { $0.description } ?? "nil"
    }
}
