extension Genesis {
    /// Checks every rule docs/GENESIS.md states, in document order, and throws the first
    /// violation as a one-line error naming `file` and the field path.
    public func validate(file: String = "genesis.json") throws(FileFormatError) {
        func fail(_ path: String, _ reason: String) -> FileFormatError {
            FileFormatError(file: file, location: path, reason: reason)
        }

        if let problem = Self.chainIDProblem(chainID) { throw fail("chain_id", problem) }

        let timeoutMax = ConsensusParams.timeoutMillisMax
        let timeouts: [(String, UInt64, UInt64)] = [
            ("timeout_propose_ms", consensus.timeoutProposeMillis, 1),
            ("timeout_propose_delta_ms", consensus.timeoutProposeDeltaMillis, 0),
            ("timeout_prevote_ms", consensus.timeoutPrevoteMillis, 1),
            ("timeout_prevote_delta_ms", consensus.timeoutPrevoteDeltaMillis, 0),
            ("timeout_precommit_ms", consensus.timeoutPrecommitMillis, 1),
            ("timeout_precommit_delta_ms", consensus.timeoutPrecommitDeltaMillis, 0),
            ("timeout_commit_ms", consensus.timeoutCommitMillis, 0),
            ("heartbeat_ms", consensus.heartbeatMillis, 1),
        ]
        for (key, value, minimum) in timeouts where value < minimum || value > timeoutMax {
            throw fail("consensus." + key, "expected \(minimum) to \(timeoutMax) milliseconds, got \(value)")
        }

        if block.maxBytes < 1_024 || block.maxBytes > UInt64(CodecLimits.blockBytesMax) {
            throw fail("block.max_bytes", "expected 1024 to \(CodecLimits.blockBytesMax), got \(block.maxBytes)")
        }
        if block.maxTxs < 1 || block.maxTxs > UInt64(CodecLimits.transactionsPerBlockMax) {
            throw fail("block.max_txs", "expected 1 to \(CodecLimits.transactionsPerBlockMax), got \(block.maxTxs)")
        }

        try validateStaking(fail)
        try validatePoW(fail)
        try validateValidators(fail)
        try validateAccounts(fail)
    }

    /// Why `chainID` is not acceptable, or nil.
    public static func chainIDProblem(_ chainID: String) -> String? {
        let bytes = Array(chainID.utf8)
        let allowed = bytes.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        if bytes.isEmpty || bytes.count > CodecLimits.chainIDBytesMax || !allowed {
            return "expected 1 to \(CodecLimits.chainIDBytesMax) characters from A-Z a-z 0-9 . _ -, got \(JSONValue.string(chainID).brief)"
        }
        return nil
    }

    private func validateStaking(_ fail: (String, String) -> FileFormatError) throws(FileFormatError) {
        if staking.powerUnit < 1 { throw fail("staking.power_unit", "expected at least 1, got 0") }
        if staking.maxValidators < 1 || staking.maxValidators > UInt64(CodecLimits.validatorsMax) {
            throw fail("staking.max_validators", "expected 1 to \(CodecLimits.validatorsMax), got \(staking.maxValidators)")
        }
        let atLeastOne: [(String, UInt64)] = [
            ("unbonding_blocks", staking.unbondingBlocks),
            ("jail_blocks", staking.jailBlocks),
            ("evidence_max_age_blocks", staking.evidenceMaxAgeBlocks),
            // A zero fee would let any fresh key write account records for free.
            ("min_fee", staking.minFee),
        ]
        for (key, value) in atLeastOne where value < 1 {
            throw fail("staking." + key, "expected at least 1, got 0")
        }
        let window = StakingParams.downtimeWindowMillisMin...StakingParams.downtimeWindowMillisMax
        if !window.contains(staking.downtimeWindowMillis) {
            throw fail("staking.downtime_window_ms",
                       "expected \(window.lowerBound) to \(window.upperBound) milliseconds of block time, got \(staking.downtimeWindowMillis)")
        }
    }

    private func validatePoW(_ fail: (String, String) -> FileFormatError) throws(FileFormatError) {
        if let problem = PoWParams.compactBitsProblem(pow.initialBits) {
            throw fail("pow.initial_bits", "\(Self.bitsHex(pow.initialBits)) is not a valid compact target: \(problem)")
        }
        let atLeastOne: [(String, UInt64)] = [
            ("target_block_ms", pow.targetBlockMillis),
            ("asert_half_life_s", pow.asertHalfLifeSeconds),
            ("confirmations", pow.confirmations),
            ("epoch_length", pow.epochLength),
        ]
        for (key, value) in atLeastOne where value < 1 {
            throw fail("pow." + key, "expected at least 1, got 0")
        }
    }

    private func validateValidators(_ fail: (String, String) -> FileFormatError) throws(FileFormatError) {
        if mode.needsValidators && validators.isEmpty {
            throw fail("validators", "mode \"\(mode.rawValue)\" needs at least one validator; add one or use mode \"pow\"")
        }
        let limit = min(UInt64(CodecLimits.validatorsMax), staking.maxValidators)
        if UInt64(validators.count) > limit {
            throw fail("validators", "\(validators.count) validators exceed staking.max_validators \(limit)")
        }
        var names: [String: Int] = [:]
        var keys: [PublicKey: Int] = [:]
        var addresses: [Address: Int] = [:]
        var totalStake: UInt64 = 0
        var totalPower: UInt64 = 0
        for (index, validator) in validators.enumerated() {
            let path = "validators[\(index)]"
            let nameBytes = validator.name.utf8.count
            if nameBytes == 0 || nameBytes > CodecLimits.nameBytesMax
                || validator.name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                throw fail(path + ".name", "expected 1 to \(CodecLimits.nameBytesMax) bytes without control characters, got \(JSONValue.string(validator.name).brief)")
            }
            if let first = names.updateValue(index, forKey: validator.name) {
                throw fail(path + ".name", "duplicate of validators[\(first)].name \(JSONValue.string(validator.name).brief); names must be unique")
            }
            if let first = keys.updateValue(index, forKey: validator.publicKey) {
                throw fail(path + ".pub_key", "duplicate of validators[\(first)].pub_key; each validator needs its own key")
            }
            if let first = addresses.updateValue(index, forKey: validator.address) {
                throw fail(path + ".pub_key", "address \(validator.address) duplicates validators[\(first)]'s; each validator needs its own key")
            }
            if validator.stake < staking.powerUnit {
                throw fail(path + ".stake", "\(validator.stake) is below staking.power_unit \(staking.powerUnit); a validator needs at least one unit of voting power")
            }
            let powerMax = Self.powerPerValidatorMax(maxValidators: staking.maxValidators)
            if power(of: validator) > powerMax {
                throw fail(path + ".stake", "voting power \(power(of: validator)) exceeds \(powerMax), the most one of staking.max_validators \(staking.maxValidators) validators may have; raise staking.power_unit")
            }
            let (stakeSum, stakeOverflow) = totalStake.addingReportingOverflow(validator.stake)
            if stakeOverflow { throw fail(path + ".stake", "total stake exceeds \(UInt64.max)") }
            totalStake = stakeSum
            totalPower += power(of: validator)  // cannot overflow: power <= stake and stakes sum without overflow
            if totalPower > Self.totalPowerMax {
                throw fail(path + ".stake", "total voting power \(totalPower) exceeds \(Self.totalPowerMax); raise staking.power_unit")
            }
        }
    }

    private func validateAccounts(_ fail: (String, String) -> FileFormatError) throws(FileFormatError) {
        if accounts.count > Self.accountsMax {
            throw fail("accounts", "\(accounts.count) accounts exceed the limit \(Self.accountsMax)")
        }
        var seen: [Address: Int] = [:]
        var supply = totalStake ?? 0
        for (index, account) in accounts.enumerated() {
            if let first = seen.updateValue(index, forKey: account.address) {
                throw fail("accounts[\(index)].address", "duplicate of accounts[\(first)].address; merge the balances")
            }
            let (sum, overflow) = supply.addingReportingOverflow(account.balance)
            if overflow {
                throw fail("accounts[\(index)].balance", "total supply (stakes plus balances) exceeds \(UInt64.max)")
            }
            supply = sum
        }
    }

    static func bitsHex(_ bits: UInt32) -> String {
        Hex.encode(withUnsafeBytes(of: bits.bigEndian) { Array($0) })
    }
}
