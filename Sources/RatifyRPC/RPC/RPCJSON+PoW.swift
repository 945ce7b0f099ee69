import RatifyNode
import RatifyCore
import RatifyLedger
import RatifyPoW

/// `GET /block` on a proof-of-work chain: the 80-byte header's fields (hashes in display
/// order, as Bitcoin explorers show them), the coinbase and the transactions.
extension RPCJSON {
    static func powBlock(_ block: PoWBlock) -> JSONValue {
        let header = block.header
        return .object([
            Member("block_id", .object([Member("hash", .string(block.hash.displayHex))])),
            Member("block", .object([
                Member("header", .object([
                    Member("version", number(header.version)),
                    Member("height", number(block.height)),
                    Member("previous_hash", .string(header.previousHash.displayHex)),
                    Member("merkle_root", .string(header.merkleRoot.displayHex)),
                    Member("time", time(millis: UInt64(header.time) * 1_000)),
                    Member("time_s", number(header.time)),
                    Member("bits", .string(header.bits.hex)),
                    Member("nonce", number(header.nonce)),
                    Member("hex", .string(header.hex)),
                ])),
                Member("coinbase", .object([
                    Member("miner", .string(block.coinbase.miner.hex)),
                    Member("extra_nonce", number(block.coinbase.extraNonce)),
                    Member("reward", amount(Ledger.minerRewardPerBlock)),
                ])),
                Member("data", .object([
                    Member("num_txs", number(block.transactions.count)),
                    Member("txs", .array(block.transactions.map(transaction))),
                ])),
            ])),
        ])
    }
}
