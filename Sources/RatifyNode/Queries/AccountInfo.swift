import RatifyCore
import RatifyLedger

/// What `GET /account/ADDRESS` reports: balance, next nonce, stake and unbonding entries.
public struct AccountInfo: Sendable, Equatable {
    public var address: Address
    public var height: Height
    public var balance: UInt64
    public var nonce: UInt64
    public var delegations: [Delegation]
    public var unbonding: [UnbondingEntry]

    public struct Delegation: Sendable, Equatable {
        public var validator: PublicKey
        public var amount: UInt64

        public init(validator: PublicKey, amount: UInt64) {
            self.validator = validator
            self.amount = amount
        }
    }

    public init(address: Address, height: Height, balance: UInt64, nonce: UInt64, delegations: [Delegation],
                unbonding: [UnbondingEntry]) {
        self.address = address
        self.height = height
        self.balance = balance
        self.nonce = nonce
        self.delegations = delegations
        self.unbonding = unbonding
    }

    /// The account as `state` has it; an address never seen has balance 0 and nonce 0.
    /// Scans the delegation and unbonding tables: O(state), fine for an RPC query.
    public init(address: Address, state: LedgerState) {
        let account = state.account(address)
        let delegations = state.delegations.filter { $0.key.delegator == address }
            .map { Delegation(validator: $0.key.validator, amount: $0.value) }
            .sorted { $0.validator < $1.validator }
        self.init(address: address, height: state.height, balance: account.balance, nonce: account.nonce,
                  delegations: delegations, unbonding: state.unbonding.filter { $0.delegator == address })
    }
}
