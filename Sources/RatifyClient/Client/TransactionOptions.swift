/// How `ratify tx` builds and submits: the fee (nil: the chain's minimum, from the node), the
/// nonce (nil: the account's next, fetched from the node), the chain id (nil: the node's own),
/// and whether to wait for finality.
public struct TransactionOptions: Sendable, Equatable {
    /// The fee paid when neither `--fee` nor the node says otherwise: genesis `staking.min_fee`'s default.
    public static let feeDefault: UInt64 = 1

    public var fee: UInt64?
    public var nonce: UInt64?
    public var chainID: String?
    public var waitFinal: Bool

    public init(fee: UInt64? = nil, nonce: UInt64? = nil, chainID: String? = nil, waitFinal: Bool = false) {
        self.fee = fee
        self.nonce = nonce
        self.chainID = chainID
        self.waitFinal = waitFinal
    }
}
