import RatifyCore
import RatifyLedger

/// Double-vote evidence checked as the ledger checks it when a block applies it
/// (`Ledger.applyEvidence`): the validator it names is known, its height is neither after the
/// including block nor older than `evidenceAgeBlocksMax`, and both votes verify with that
/// validator's key. That the two votes share validator, height, round and type and name
/// different blocks holds for every `DuplicateVoteEvidence` (its initialiser and decoder
/// refuse anything else). The evidence pool admits, gossip relays and block validation
/// accepts only evidence that passes here, so junk never fills a block.
public struct EvidenceRules: Sendable {
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case unknownValidator(Address)
        case future(height: Height, includedAt: Height)
        case tooOld(height: Height, oldestAllowed: Height)
        case signature

        public var description: String {
            switch self {
            case .unknownValidator(let address): "evidence names \(address.hex), which is no validator"
            case .future(let height, let includedAt): "evidence height \(height) is after block \(includedAt)"
            case .tooOld(let height, let oldest): "evidence height \(height) is older than the oldest allowed, \(oldest)"
            case .signature: "an evidence vote's signature does not verify with the validator's key"
            }
        }
    }

    public var chainID: String
    public var ageBlocksMax: UInt64
    /// Every validator the ledger knows (jailed and tombstoned included), by address.
    public var keys: [Address: PublicKey]

    public init(chainID: String, ageBlocksMax: UInt64, keys: [Address: PublicKey]) {
        self.chainID = chainID
        self.ageBlocksMax = ageBlocksMax
        self.keys = keys
    }

    /// The rules of `ledger` as it stands before the block that would include the evidence.
    public init(ledger: Ledger) {
        var keys: [Address: PublicKey] = [:]
        for record in ledger.state.validators.values { keys[record.address] = record.publicKey }
        self.init(chainID: ledger.parameters.chainID, ageBlocksMax: ledger.parameters.evidenceAgeBlocksMax, keys: keys)
    }

    /// Nil when `evidence` may go into the block at `height`. The cheap checks come first, so
    /// evidence from outside the window costs no signature check.
    public func problem(_ evidence: DuplicateVoteEvidence, includedAt height: Height) -> Problem? {
        guard let key = keys[evidence.validatorAddress] else { return .unknownValidator(evidence.validatorAddress) }
        guard evidence.height <= height else { return .future(height: evidence.height, includedAt: height) }
        // As `Ledger.checkAge`: subtraction only once it cannot underflow.
        let oldestAllowed = height > ageBlocksMax ? height - ageBlocksMax : 0
        guard evidence.height >= oldestAllowed else { return .tooOld(height: evidence.height, oldestAllowed: oldestAllowed) }
        for vote in [evidence.voteA, evidence.voteB] {
            guard key.verify(vote.signature, message: vote.signBytes(chainID: chainID)) else { return .signature }
        }
        return nil
    }
}
