import RatifyCore

/// Everything peers say to each other. The encoding is a one-byte tag followed by the case's
/// canonical encoding (RatifyCore's codec); the whole message must be consumed. A message is
/// at most `NetLimits.messageBytesMax` bytes; a block larger than that travels as `blockPart`s.
public enum NetMessage: Hashable, Sendable {
    /// Handshake, plaintext: chain id, node key, ephemeral X25519 key.
    case hello(HandshakeHello)
    /// Handshake, first sealed frame: signature over the transcript.
    case auth(HandshakeAuth)
    /// Where the sender is in consensus and which votes it has.
    case peerState(PeerState)
    /// A signed proposal; its block follows as `block` or `blockPart`s.
    case proposal(Proposal)
    /// One part of a block too large for one frame.
    case blockPart(BlockPart)
    /// A whole block: a proposed block that fits a frame, or a decided block for catch-up.
    case block(Block)
    /// A signed prevote or precommit.
    case vote(Vote)
    /// The commit that finalized a block, sent with the block to a peer that is behind.
    case commit(Commit)
    /// Proof of a double vote.
    case evidence(DuplicateVoteEvidence)
    /// A signed transaction for the mempool, with the peers its sender knows were sent it.
    case transaction(TransactionGossip)
    /// Signed transactions a node passes on together (2 to 256), with the peers its sender knows
    /// were sent them; taken one by one, in order, as `transaction`s.
    case transactions(TransactionBatch)
    /// Asks the peer for the decided block (and its commit) at a height.
    case blockRequest(height: Height)
    /// Proof-of-work chains: a mined block (a canonical `PoWBlock`, which RatifyNet does not
    /// decode: the node checks it), announced when found and relayed once its header checks
    /// out, or sent in answer to `powBlockRequest`.
    case powBlock(PoWBlockBytes)
    /// Proof-of-work chains: asks the peer for the block with this hash (a body whose header
    /// headers-first sync already checked).
    case powBlockRequest(hash: Hash)
    /// Proof-of-work chains: asks the peer for the headers of its best chain that follow the
    /// first locator hash it has on that chain.
    case powHeadersRequest(PoWLocator)
    /// Proof-of-work chains: the answer to `powHeadersRequest`.
    case powHeaders(PoWHeaderBatch)
    /// Hybrid chains: a validator's signed Casper FFG checkpoint vote, relayed by the node
    /// once its signature checks out against the validator set.
    case checkpointVote(CheckpointVote)
    /// Nothing but proof the session is alive: sent to a peer that was sent nothing else for a
    /// second, so that its silence timeout (`NetConfig.peerSilenceTimeoutMillis`) means a path
    /// that is down and never a node with nothing to say.
    case keepAlive

    /// The tag byte of each case. New cases take new numbers; numbers are never reused.
    public enum Kind: UInt8, Sendable, CaseIterable {
        case hello = 1
        case auth = 2
        case peerState = 10
        case proposal = 11
        case blockPart = 12
        case block = 13
        case vote = 14
        case commit = 15
        case evidence = 16
        case transaction = 17
        case blockRequest = 18
        case powBlock = 19
        case powBlockRequest = 20
        case checkpointVote = 21
        case keepAlive = 22
        case powHeadersRequest = 23
        case powHeaders = 24
        case transactions = 25

        /// A label for metrics and logs.
        public var label: String {
            switch self {
            case .hello: "hello"
            case .auth: "auth"
            case .peerState: "peer_state"
            case .proposal: "proposal"
            case .blockPart: "block_part"
            case .block: "block"
            case .vote: "vote"
            case .commit: "commit"
            case .evidence: "evidence"
            case .transaction: "transaction"
            case .blockRequest: "block_request"
            case .powBlock: "pow_block"
            case .powBlockRequest: "pow_block_request"
            case .checkpointVote: "checkpoint_vote"
            case .keepAlive: "keep_alive"
            case .powHeadersRequest: "pow_headers_request"
            case .powHeaders: "pow_headers"
            case .transactions: "transactions"
            }
        }
    }

    public var kind: Kind {
        switch self {
        case .hello: .hello
        case .auth: .auth
        case .peerState: .peerState
        case .proposal: .proposal
        case .blockPart: .blockPart
        case .block: .block
        case .vote: .vote
        case .commit: .commit
        case .evidence: .evidence
        case .transaction: .transaction
        case .blockRequest: .blockRequest
        case .powBlock: .powBlock
        case .powBlockRequest: .powBlockRequest
        case .checkpointVote: .checkpointVote
        case .keepAlive: .keepAlive
        case .powHeadersRequest: .powHeadersRequest
        case .powHeaders: .powHeaders
        case .transactions: .transactions
        }
    }

    /// Why received bytes are not a message this node accepts.
    public enum DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
        case malformed(DecodeError)
        case tooLarge(bytes: Int)
        /// A message that names a chain other than ours (hello, block header, transaction).
        case foreignChain(expected: String, got: String)

        public var description: String {
            switch self {
            case .malformed(let error): "malformed message: \(error)"
            case .tooLarge(let bytes): "message of \(bytes) bytes exceeds the maximum \(NetLimits.messageBytesMax)"
            case .foreignChain(let expected, let got): "message for chain '\(got)', this node is on '\(expected)'"
            }
        }
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(kind.rawValue)
        switch self {
        case .hello(let value): writer.write(value)
        case .auth(let value): writer.write(value)
        case .peerState(let value): writer.write(value)
        case .proposal(let value): writer.write(value)
        case .blockPart(let value): writer.write(value)
        case .block(let value): writer.write(value)
        case .vote(let value): writer.write(value)
        case .commit(let value): writer.write(value)
        case .evidence(let value): writer.write(value)
        case .transaction(let value): writer.write(value)
        case .blockRequest(let height): writer.write(height)
        case .powBlock(let block): writer.write(block)
        case .powBlockRequest(let hash): writer.write(hash)
        case .checkpointVote(let vote): writer.write(vote)
        case .keepAlive: break
        case .powHeadersRequest(let locator): writer.write(locator)
        case .powHeaders(let batch): writer.write(batch)
        case .transactions(let batch): writer.write(batch)
        }
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 192)
        encode(to: &writer)
        return writer.bytes
    }

    /// The key of the duplicate filter: the SHA-256 of the encoding; of a transaction, of its
    /// tag and hash (`seenDigest(of:)`), so one transaction relayed with different lists, alone
    /// or in a batch, is one message. A batch has no key of its own: each of its transactions is
    /// looked up alone, and this is the zero hash, never stored.
    var seenDigest: Hash { seenDigest(encoded: encoded) }

    /// `seenDigest` from the message's encoding (`encoded`), when the caller has it already.
    func seenDigest(encoded bytes: [UInt8]) -> Hash {
        bytes.withUnsafeBytes { seenDigest(encoded: $0) }
    }

    func seenDigest(encoded bytes: UnsafeRawBufferPointer) -> Hash {
        switch self {
        case .transaction(let gossip): Self.seenDigest(of: gossip.transaction)
        case .transactions: .zero
        default: Hash.sha256(bytes)
        }
    }

    /// The duplicate filter's key of a transaction, alone or in a batch: the SHA-256 of the
    /// `transaction` tag and the transaction's hash, which covers all of it.
    /// On the stack: it runs for every transaction a peer sends and every one broadcast.
    static func seenDigest(of transaction: Transaction) -> Hash {
        withUnsafeTemporaryAllocation(byteCount: 33, alignment: 1) { buffer in
            buffer[0] = Kind.transaction.rawValue
            transaction.hash.raw.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[1...]).copyMemory(from: $0) }
            return Hash.sha256(UnsafeRawBufferPointer(buffer))
        }
    }

    /// The keys `markSeen` and `forget` act on: the message's own, or a batch's transactions'.
    func seenDigests(encoded bytes: [UInt8]) -> [Hash] {
        guard case .transactions(let batch) = self else { return [seenDigest(encoded: bytes)] }
        return batch.transactions.map(Self.seenDigest(of:))
    }

    /// Decodes one whole message and checks every chain id it carries against `chainID`.
    public static func decode(_ buffer: UnsafeRawBufferPointer, chainID: String) throws(DecodingError) -> NetMessage {
        guard buffer.count <= NetLimits.messageBytesMax else { throw .tooLarge(bytes: buffer.count) }
        var reader = ByteReader(buffer)
        let message: NetMessage
        do {
            message = try decodeBody(&reader)
            try reader.finish("net_message")
        } catch {
            throw .malformed(error)
        }
        if let foreign = message.foreignChainID(ours: chainID) {
            throw .foreignChain(expected: chainID, got: foreign)
        }
        return message
    }

    public static func decode(_ bytes: [UInt8], chainID: String) throws(DecodingError) -> NetMessage {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(DecodingError) -> NetMessage in try decode(buffer, chainID: chainID) }
        }
        return try result.get()
    }

    /// The chain id the message names, if it names one; a batch names its first transaction's.
    public var chainID: String? {
        switch self {
        case .hello(let hello): hello.chainID
        case .block(let block): block.header.chainID
        case .transaction(let gossip): gossip.transaction.chainID
        case .transactions(let batch): batch.transactions.first?.chainID
        default: nil
        }
    }

    /// The first chain id the message names that is not `ours`: every transaction of a batch
    /// is checked, not only the first.
    func foreignChainID(ours: String) -> String? {
        if case .transactions(let batch) = self { return batch.transactions.lazy.map(\.chainID).first { $0 != ours } }
        return chainID.flatMap { $0 == ours ? nil : $0 }
    }

    private static func decodeBody(_ reader: inout ByteReader) throws(DecodeError) -> NetMessage {
        let start = reader.offset
        let tag = try reader.readUInt8("net_message.kind")
        guard let kind = Kind(rawValue: tag) else {
            throw reader.failure(.unknownTag(UInt64(tag)), "net_message.kind", at: start)
        }
        switch kind {
        case .hello: return .hello(try HandshakeHello(from: &reader))
        case .auth: return .auth(try HandshakeAuth(from: &reader))
        case .peerState: return .peerState(try PeerState(from: &reader))
        case .proposal: return .proposal(try Proposal(from: &reader))
        case .blockPart: return .blockPart(try BlockPart(from: &reader))
        case .block: return .block(try Block(from: &reader))
        case .vote: return .vote(try Vote(from: &reader))
        case .commit: return .commit(try Commit(from: &reader))
        case .evidence: return .evidence(try DuplicateVoteEvidence(from: &reader))
        case .transaction: return .transaction(try TransactionGossip(from: &reader))
        case .blockRequest: return .blockRequest(height: try reader.readUInt64("block_request.height"))
        case .powBlock: return .powBlock(try PoWBlockBytes(from: &reader))
        case .powBlockRequest: return .powBlockRequest(hash: try reader.readHash("pow_block_request.hash"))
        case .checkpointVote: return .checkpointVote(try CheckpointVote(from: &reader))
        case .keepAlive: return .keepAlive
        case .powHeadersRequest: return .powHeadersRequest(try PoWLocator(from: &reader))
        case .powHeaders: return .powHeaders(try PoWHeaderBatch(from: &reader))
        case .transactions: return .transactions(try TransactionBatch(from: &reader))
        }
    }
}
