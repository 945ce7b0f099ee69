import RatifyNode
import RatifyCore
import RatifyLedger

/// JSON renderings of the RPC's answers, shaped like CometBFT's where they overlap: snake_case
/// keys, hashes and keys in lower-case hex, heights and counts as numbers, token amounts as
/// decimal strings (they may exceed 2^53, which JavaScript would round). docs/RPC.md shows each.
enum RPCJSON {
    typealias Member = JSONValue.Member

    static func number(_ value: some BinaryInteger) -> JSONValue { .number(String(value)) }
    static func amount(_ value: UInt64) -> JSONValue { .string(String(value)) }
    static func hex(_ hash: Hash) -> JSONValue { .string(hash.hex) }

    /// RFC 3339 with milliseconds, UTC.
    static func time(millis: UInt64) -> JSONValue {
        let seconds = Int64(clamping: millis / 1000)
        let nanos = UInt32((millis % 1000) * 1_000_000)
        return GenesisTime(unixSeconds: seconds, nanos: nanos).map { .string($0.description) } ?? .null
    }

    static func status(_ status: NodeStatus) -> JSONValue {
        .object([
            Member("node_info", .object([
                Member("id", .string(status.nodeID.hex)),
                Member("network", .string(status.chainID)),
                Member("moniker", .string(status.moniker)),
                Member("version", .string(status.build.version)),
                Member("commit", .string(status.build.commit)),
            ] + (status.feeMin.map { [Member("min_fee", amount($0))] } ?? []))),
            Member("sync_info", .object([
                Member("latest_block_hash", status.latestBlockHash.map(hex) ?? .null),
                Member("latest_app_hash", hex(status.latestAppHash)),
                Member("latest_block_height", number(status.latestHeight)),
                Member("latest_block_time", time(millis: status.latestBlockTimeMillis)),
                Member("latest_block_time_ms", number(status.latestBlockTimeMillis)),
                Member("earliest_block_height", number(status.earliestHeight)),
                Member("catching_up", .bool(status.catchingUp)),
            ])),
            Member("validator_info", .object([
                Member("address", status.validatorPublicKey.map { .string($0.address.hex) } ?? .null),
                Member("pub_key", status.validatorPublicKey.map { .string($0.hex) } ?? .null),
                Member("voting_power", number(status.votingPower)),
            ])),
        ] + (status.pow.map { pow in
            [Member("pow", .object([
                Member("tip_height", number(status.latestHeight)),
                Member("tip_hash", .string(pow.tipHash)),
                Member("chain_work", .string(pow.chainWorkHex)),
                Member("bits", .string(pow.bitsHex)),
                Member("final_height", number(pow.finalHeight)),
                Member("confirmations", number(pow.confirmations)),
                Member("mining_threads", number(pow.miningThreads)),
            ] + [("latest_justified", pow.latestJustified), ("latest_finalized", pow.latestFinalized)].compactMap { name, checkpoint in
                checkpoint.map { Member(name, .object([
                    Member("epoch", number($0.epoch)), Member("height", number($0.height)), Member("hash", .string($0.hash.displayHex)),
                ])) }
            }))]
        } ?? []))
    }

    /// `GET /health`'s members (an `error` follows them when unhealthy).
    static func health(_ status: NodeStatus) -> [Member] {
        [Member("latest_block_height", number(status.latestHeight)),
         Member("latest_block_age_ms", number(status.latestBlockAgeMillis)),
         Member("peers", number(status.peerCount)),
         Member("catching_up", .bool(status.catchingUp))]
    }

    static func header(_ header: Header) -> JSONValue {
        .object([
            Member("version", number(header.version)),
            Member("chain_id", .string(header.chainID)),
            Member("height", number(header.height)),
            Member("time", time(millis: header.timeMillis)),
            Member("time_ms", number(header.timeMillis)),
            Member("last_block_id", .object([Member("hash", hex(header.lastBlockID.hash))])),
            Member("last_commit_hash", hex(header.lastCommitHash)),
            Member("data_hash", hex(header.transactionsHash)),
            Member("evidence_hash", hex(header.evidenceHash)),
            Member("validators_hash", hex(header.validatorsHash)),
            Member("next_validators_hash", hex(header.nextValidatorsHash)),
            Member("app_hash", hex(header.appHash)),
            Member("proposer_address", .string(header.proposerAddress.hex)),
        ])
    }

    /// CometBFT's `block_id_flag`: 1 absent, 2 commit, 3 nil.
    static func commit(_ commit: Commit) -> JSONValue {
        .object([
            Member("height", number(commit.height)),
            Member("round", number(commit.round)),
            Member("block_id", .object([Member("hash", hex(commit.blockID.hash))])),
            Member("signatures", .array(commit.signatures.map { signature in
                let flag: Int = switch signature {
                case .absent: 1
                case .commit: 2
                case .nil: 3
                }
                return .object([
                    Member("block_id_flag", number(flag)),
                    Member("signature", signature.signature.map { .string(Hex.encode($0.raw.bytes)) } ?? .null),
                ])
            })),
        ])
    }

    static func transaction(_ transaction: Transaction) -> JSONValue {
        var payload: [Member] = [Member("type", .string(transaction.payload.kindName))]
        switch transaction.payload {
        case .transfer(let to, let amount):
            payload += [Member("to", .string(to.hex)), Member("amount", self.amount(amount))]
        case .stake(let validator, let amount, let name):
            payload += [Member("validator", .string(validator.hex)), Member("amount", self.amount(amount)),
                        Member("name", .string(name))]
        case .unstake(let validator, let amount):
            payload += [Member("validator", .string(validator.hex)), Member("amount", self.amount(amount))]
        case .unjail(let validator):
            payload += [Member("validator", .string(validator.hex))]
        case .evidence(let evidence):
            payload += [Member("validator_address", .string(evidence.validatorAddress.hex)),
                        Member("height", number(evidence.height))]
        case .ffgEvidence(let evidence):
            payload += [Member("validator_address", .string(evidence.validatorAddress.hex)),
                        Member("kind", .string(evidence.kind.rawValue)),
                        Member("target_epoch", number(evidence.targetEpochMax))]
        }
        return .object([
            Member("hash", hex(transaction.hash)),
            Member("sender", .string(transaction.senderAddress.hex)),
            Member("nonce", number(transaction.nonce)),
            Member("fee", amount(transaction.fee)),
            Member("payload", .object(payload)),
            Member("tx", .string(Hex.encode(transaction.canonicalBytes))),
        ])
    }

    static func block(_ block: Block) -> JSONValue {
        .object([
            Member("block_id", .object([Member("hash", hex(block.id.hash))])),
            Member("block", .object([
                Member("header", header(block.header)),
                Member("data", .object([
                    Member("num_txs", number(block.transactions.count)),
                    Member("txs", .array(block.transactions.map(transaction))),
                ])),
                Member("evidence", .object([Member("count", number(block.evidence.count))])),
                Member("last_commit", block.lastCommit.map(commit) ?? .null),
            ])),
        ])
    }

    static func signedHeader(_ header: Header, _ commit: Commit) -> JSONValue {
        .object([
            Member("signed_header", .object([Member("header", self.header(header)), Member("commit", self.commit(commit))])),
            Member("canonical", .bool(true)),
        ])
    }

    /// `names` are the ledger's current names (a validator keeps the name it registered with).
    static func validators(_ set: ValidatorSet, height: Height, names: [PublicKey: String] = [:]) -> JSONValue {
        .object([
            Member("block_height", number(height)),
            Member("validators", .array(set.validators.map { validator in
                .object([
                    Member("address", .string(validator.address.hex)),
                    Member("pub_key", .string(validator.publicKey.hex)),
                    Member("name", names[validator.publicKey].map { .string($0) } ?? .null),
                    Member("voting_power", number(validator.votingPower)),
                    Member("proposer_priority", number(validator.proposerPriority)),
                ])
            })),
            Member("count", number(set.count)),
            Member("total", number(set.count)),
            Member("total_voting_power", number(set.totalVotingPower)),
        ])
    }

    static func stakingValidator(_ validator: StakingValidatorInfo) -> JSONValue {
        .object([
            Member("address", .string(validator.address.hex)),
            Member("pub_key", .string(validator.publicKey.hex)),
            Member("name", .string(validator.name)),
            Member("operator", .string(validator.operatorAddress.hex)),
            Member("bonded", amount(validator.bondedTotal)),
            Member("voting_power", number(validator.votingPower)),
            Member("jailed", .bool(validator.isJailed)),
            Member("jailed_until", validator.jailedUntil.map { number($0) } ?? .null),
            Member("tombstoned", .bool(validator.tombstoned)),
            Member("missed_blocks", number(validator.missedBlocks)),
            Member("height", number(validator.height)),
        ])
    }

    static func account(_ account: AccountInfo) -> JSONValue {
        .object([
            Member("address", .string(account.address.hex)),
            Member("height", number(account.height)),
            Member("balance", amount(account.balance)),
            Member("nonce", number(account.nonce)),
            Member("delegations", .array(account.delegations.map {
                .object([Member("validator", .string($0.validator.hex)), Member("amount", amount($0.amount))])
            })),
            Member("unbonding", .array(account.unbonding.map {
                .object([
                    Member("validator", .string($0.validator.hex)), Member("amount", amount($0.amount)),
                    Member("creation_height", number($0.creationHeight)), Member("release_height", number($0.releaseHeight)),
                ])
            })),
        ])
    }

    static func location(_ location: TransactionLocation, latencyMillis: Int64? = nil) -> JSONValue {
        var members = [
            Member("hash", hex(location.hash)),
            Member("height", number(location.height)),
            Member("index", number(location.index)),
            Member("tx_result", .object([Member("code", number(location.code)), Member("log", .string(location.log))])),
        ]
        if let latencyMillis { members.append(Member("latency_ms", number(latencyMillis))) }
        return .object(members)
    }
}
