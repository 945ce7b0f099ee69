import Testing
import RatifyCore
import RatifyNode
@testable import RatifyRPC

@Suite("RPC JSON: FFG evidence")
struct FFGEvidenceJSONTests {
    @Test("an ffg-evidence transaction shows its kind, offender and highest target epoch in /tx and block JSON")
    func ffgEvidencePayload() throws {
        let offender = try #require(KeyPair(seed: [UInt8](repeating: 7, count: 32)))
        let sender = try #require(KeyPair(seed: [UInt8](repeating: 8, count: 32)))
        func vote(_ source: UInt64, _ target: UInt64) -> CheckpointVote {
            CheckpointVote.signed(chainID: "json-test", key: offender,
                                  source: Checkpoint(epoch: source, blockHash: Hash.sha256([UInt8(source)])),
                                  target: Checkpoint(epoch: target, blockHash: Hash.sha256([UInt8(target)])))
        }
        let evidence = try FFGSlashingEvidence(vote(0, 4), vote(1, 3))
        let transaction = Transaction.signed(chainID: "json-test", sender: sender, nonce: 0, fee: 1, payload: .ffgEvidence(evidence))
        let payload = RPCJSON.transaction(transaction)["payload"]
        #expect(payload?["type"]?.stringValue == "ffg-evidence")
        #expect(payload?["kind"]?.stringValue == "surround vote")
        #expect(payload?["validator_address"]?.stringValue == offender.publicKey.address.hex)
        #expect(payload?["target_epoch"]?.cellText == "4")
    }
}
