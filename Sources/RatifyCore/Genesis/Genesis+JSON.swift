/// genesis.json: reading with field-path errors, and writing in the documented key order.
/// docs/GENESIS.md is the reference for every key, its type and its default.
extension Genesis {
    /// The largest genesis file read: far above a 10,000-validator, 1,000,000-account file's
    /// real size would need to be compressed into, and small enough to hold in memory.
    public static let fileBytesMax = 256 * 1024 * 1024

    static let topKeys = ["chain_id", "genesis_time", "mode", "consensus", "block", "validators", "accounts", "staking", "pow"]
    static let consensusKeys = [
        "timeout_propose_ms", "timeout_propose_delta_ms", "timeout_prevote_ms", "timeout_prevote_delta_ms",
        "timeout_precommit_ms", "timeout_precommit_delta_ms", "timeout_commit_ms", "heartbeat_ms",
    ]
    static let blockKeys = ["max_bytes", "max_txs"]
    static let validatorKeys = ["name", "pub_key", "stake"]
    static let accountKeys = ["address", "balance"]
    static let stakingKeys = [
        "power_unit", "max_validators", "unbonding_blocks", "slash_fraction_double_sign", "slash_fraction_downtime",
        "downtime_window_ms", "min_signed_per_window", "jail_blocks",
        // Counted blocks before the window moved to block time; read only to say so.
        "downtime_window", "evidence_max_age_blocks", "min_fee",
    ]
    static let powKeys = ["initial_bits", "target_block_ms", "retarget", "asert_half_life_s", "confirmations", "epoch_length"]

    /// Parses and validates a genesis document. Every failure is one line naming `file`, the
    /// field path and what was wrong.
    public init(json bytes: [UInt8], file: String = "genesis.json") throws(FileFormatError) {
        guard bytes.count <= Self.fileBytesMax else {
            throw FileFormatError(file: file, location: "", reason: "larger than \(Self.fileBytesMax) bytes; this is not a genesis file")
        }
        let root = try JSONObjectReader(JSONField(try JSONParser.parse(bytes, file: file), file: file), keys: Self.topKeys)

        let chainField = try root.required("chain_id")
        let chainID = try chainField.string()
        if let problem = Self.chainIDProblem(chainID) { throw chainField.failure(problem) }

        let timeField = try root.required("genesis_time")
        guard let time = GenesisTime(rfc3339: try timeField.string()) else {
            throw timeField.failure("expected an RFC 3339 UTC time like \"2026-01-01T00:00:00Z\", got \(timeField.value.brief)")
        }
        self.init(chainID: chainID, genesisTime: time)

        if let field = root.optional("mode") {
            guard let mode = ChainMode(rawValue: try field.string()) else {
                throw field.failure("expected \"pos\", \"pow\" or \"hybrid\", got \(field.value.brief)")
            }
            self.mode = mode
        }
        if let field = root.optional("consensus") { consensus = try Self.consensus(field) }
        if let field = root.optional("block") { block = try Self.block(field) }
        if let field = root.optional("staking") { staking = try Self.staking(field) }
        if let field = root.optional("pow") { pow = try Self.pow(field) }

        // Validators are required where they finalize blocks; a pow chain may list none.
        let validatorsField = mode.needsValidators ? try root.required("validators") : root.optional("validators")
        if let validatorsField {
            let items = try validatorsField.array()
            guard items.count <= CodecLimits.validatorsMax else {
                throw validatorsField.failure("\(items.count) validators exceed the limit \(CodecLimits.validatorsMax)")
            }
            validators = try items.map { (item) throws(FileFormatError) in try Self.validator(item) }
        }
        if let field = root.optional("accounts") {
            let items = try field.array()
            guard items.count <= Self.accountsMax else {
                throw field.failure("\(items.count) accounts exceed the limit \(Self.accountsMax)")
            }
            accounts = try items.map { (item) throws(FileFormatError) in try Self.account(item) }
        }
        try validate(file: file)
    }

    private static func consensus(_ field: JSONField) throws(FileFormatError) -> ConsensusParams {
        let reader = try field.object(keys: consensusKeys)
        var params = ConsensusParams()
        if let f = reader.optional("timeout_propose_ms") { params.timeoutProposeMillis = try f.uint64() }
        if let f = reader.optional("timeout_propose_delta_ms") { params.timeoutProposeDeltaMillis = try f.uint64() }
        if let f = reader.optional("timeout_prevote_ms") { params.timeoutPrevoteMillis = try f.uint64() }
        if let f = reader.optional("timeout_prevote_delta_ms") { params.timeoutPrevoteDeltaMillis = try f.uint64() }
        if let f = reader.optional("timeout_precommit_ms") { params.timeoutPrecommitMillis = try f.uint64() }
        if let f = reader.optional("timeout_precommit_delta_ms") { params.timeoutPrecommitDeltaMillis = try f.uint64() }
        if let f = reader.optional("timeout_commit_ms") { params.timeoutCommitMillis = try f.uint64() }
        if let f = reader.optional("heartbeat_ms") { params.heartbeatMillis = try f.uint64() }
        return params
    }

    private static func block(_ field: JSONField) throws(FileFormatError) -> BlockParams {
        let reader = try field.object(keys: blockKeys)
        var params = BlockParams()
        if let f = reader.optional("max_bytes") { params.maxBytes = try f.uint64() }
        if let f = reader.optional("max_txs") { params.maxTxs = try f.uint64() }
        return params
    }

    private static func staking(_ field: JSONField) throws(FileFormatError) -> StakingParams {
        let reader = try field.object(keys: stakingKeys)
        var params = StakingParams()
        if let f = reader.optional("power_unit") { params.powerUnit = try f.uint64() }
        if let f = reader.optional("max_validators") { params.maxValidators = try f.uint64() }
        if let f = reader.optional("unbonding_blocks") { params.unbondingBlocks = try f.uint64() }
        if let f = reader.optional("slash_fraction_double_sign") { params.slashFractionDoubleSign = try fraction(f) }
        if let f = reader.optional("slash_fraction_downtime") { params.slashFractionDowntime = try fraction(f) }
        if let f = reader.optional("downtime_window") {
            throw f.failure("the downtime window is block time now: use staking.downtime_window_ms (e.g. 600000 for 10 minutes), and min_signed_per_window as a fraction (e.g. \"0.5\")")
        }
        if let f = reader.optional("downtime_window_ms") { params.downtimeWindowMillis = try f.uint64() }
        if let f = reader.optional("min_signed_per_window") { params.minSignedPerWindow = try fraction(f) }
        if let f = reader.optional("jail_blocks") { params.jailBlocks = try f.uint64() }
        if let f = reader.optional("evidence_max_age_blocks") { params.evidenceMaxAgeBlocks = try f.uint64() }
        if let f = reader.optional("min_fee") { params.minFee = try f.uint64() }
        return params
    }

    private static func pow(_ field: JSONField) throws(FileFormatError) -> PoWParams {
        let reader = try field.object(keys: powKeys)
        var params = PoWParams()
        if let f = reader.optional("initial_bits") {
            let text = try f.string()
            guard text.utf8.count == 8, let bytes = Hex.decode(text), bytes.count == 4 else {
                throw f.failure("expected 8 hex digits of a compact target like \"207fffff\", got \(f.value.brief)")
            }
            params.initialBits = bytes.reduce(0) { $0 << 8 | UInt32($1) }
        }
        if let f = reader.optional("target_block_ms") { params.targetBlockMillis = try f.uint64() }
        if let f = reader.optional("retarget") {
            guard let rule = RetargetRule(rawValue: try f.string()) else {
                throw f.failure("expected \"bitcoin\" or \"asert\", got \(f.value.brief)")
            }
            params.retarget = rule
        }
        if let f = reader.optional("asert_half_life_s") { params.asertHalfLifeSeconds = try f.uint64() }
        if let f = reader.optional("confirmations") { params.confirmations = try f.uint64() }
        if let f = reader.optional("epoch_length") { params.epochLength = try f.uint64() }
        return params
    }

    /// A decimal string ("0.05"); a JSON number is accepted too, read from its literal text.
    private static func fraction(_ field: JSONField) throws(FileFormatError) -> PartsPerMillion {
        let text: String? = switch field.value {
        case .string(let s): s
        case .number(let literal): literal
        default: nil
        }
        guard let text, let value = PartsPerMillion(decimal: text) else {
            throw field.failure("expected a decimal fraction from \"0\" to \"1\" with at most 6 decimal places, got \(field.value.brief)")
        }
        return value
    }

    private static func validator(_ field: JSONField) throws(FileFormatError) -> GenesisValidator {
        let reader = try field.object(keys: validatorKeys)
        let name = try reader.required("name").string()
        let keyBytes = try reader.required("pub_key").hexBytes(count: Bytes32.count)
        let stake = try reader.required("stake").uint64()
        guard let key = PublicKey(keyBytes) else { throw field.failure("pub_key: not 32 bytes") }
        return GenesisValidator(name: name, publicKey: key, stake: stake)
    }

    private static func account(_ field: JSONField) throws(FileFormatError) -> GenesisAccount {
        let reader = try field.object(keys: accountKeys)
        let addressBytes = try reader.required("address").hexBytes(count: Bytes20.count)
        let balance = try reader.required("balance").uint64()
        guard let address = Address(addressBytes) else { throw field.failure("address: not 20 bytes") }
        return GenesisAccount(address: address, balance: balance)
    }

    // MARK: writing

    /// The genesis as a JSON value with every field written out (defaults included), in the
    /// order docs/GENESIS.md lists them.
    public var jsonValue: JSONValue {
        typealias M = JSONValue.Member
        let consensusJSON: [M] = [
            M("timeout_propose_ms", Self.amount(consensus.timeoutProposeMillis)),
            M("timeout_propose_delta_ms", Self.amount(consensus.timeoutProposeDeltaMillis)),
            M("timeout_prevote_ms", Self.amount(consensus.timeoutPrevoteMillis)),
            M("timeout_prevote_delta_ms", Self.amount(consensus.timeoutPrevoteDeltaMillis)),
            M("timeout_precommit_ms", Self.amount(consensus.timeoutPrecommitMillis)),
            M("timeout_precommit_delta_ms", Self.amount(consensus.timeoutPrecommitDeltaMillis)),
            M("timeout_commit_ms", Self.amount(consensus.timeoutCommitMillis)),
            M("heartbeat_ms", Self.amount(consensus.heartbeatMillis)),
        ]
        let stakingJSON: [M] = [
            M("power_unit", Self.amount(staking.powerUnit)),
            M("max_validators", Self.amount(staking.maxValidators)),
            M("unbonding_blocks", Self.amount(staking.unbondingBlocks)),
            M("slash_fraction_double_sign", .string(staking.slashFractionDoubleSign.decimal)),
            M("slash_fraction_downtime", .string(staking.slashFractionDowntime.decimal)),
            M("downtime_window_ms", Self.amount(staking.downtimeWindowMillis)),
            M("min_signed_per_window", .string(staking.minSignedPerWindow.decimal)),
            M("jail_blocks", Self.amount(staking.jailBlocks)),
            M("evidence_max_age_blocks", Self.amount(staking.evidenceMaxAgeBlocks)),
            M("min_fee", Self.amount(staking.minFee)),
        ]
        let powJSON: [M] = [
            M("initial_bits", .string(Self.bitsHex(pow.initialBits))),
            M("target_block_ms", Self.amount(pow.targetBlockMillis)),
            M("retarget", .string(pow.retarget.rawValue)),
            M("asert_half_life_s", Self.amount(pow.asertHalfLifeSeconds)),
            M("confirmations", Self.amount(pow.confirmations)),
            M("epoch_length", Self.amount(pow.epochLength)),
        ]
        return .object([
            M("chain_id", .string(chainID)),
            M("genesis_time", .string(genesisTime.rfc3339)),
            M("mode", .string(mode.rawValue)),
            M("consensus", .object(consensusJSON)),
            M("block", .object([M("max_bytes", Self.amount(block.maxBytes)), M("max_txs", Self.amount(block.maxTxs))])),
            M("validators", .array(validators.map { validator in
                .object([M("name", .string(validator.name)), M("pub_key", .string(validator.publicKey.hex)),
                         M("stake", Self.amount(validator.stake))])
            })),
            M("accounts", .array(accounts.map { account in
                .object([M("address", .string(account.address.hex)), M("balance", Self.amount(account.balance))])
            })),
            M("staking", .object(stakingJSON)),
            M("pow", .object(powJSON)),
        ])
    }

    /// The genesis file's text: pretty, stable, newline-terminated.
    public var jsonText: String { JSONWriter.pretty(jsonValue) }

    /// Integers up to 2^53 as JSON numbers; larger ones as decimal strings, which JavaScript
    /// tools would otherwise round.
    static func amount(_ value: UInt64) -> JSONValue {
        value <= 1 << 53 ? .number(String(value)) : .string(String(value))
    }
}
