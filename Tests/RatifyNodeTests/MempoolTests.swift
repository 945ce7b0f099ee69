import RatifyTestSupport
import Testing
import RatifyCore
import RatifyLedger
import Synchronization
@testable import RatifyNode

@Suite("mempool")
struct MempoolTests {
    static let limits = MempoolLimits(countMax: 1_000, bytesMax: 1 << 20, perSenderCountMax: 50)

    private func mempool(_ limits: MempoolLimits = MempoolTests.limits) -> Mempool {
        Mempool(limits: limits, ledger: ChainFixture.genesisLedger)
    }

    private func error(_ mempool: Mempool, _ transaction: Transaction) async -> MempoolError? {
        do {
            _ = try await mempool.add(transaction.canonicalBytes)
            return nil
        } catch {
            return error
        }
    }

    @Test("an admitted transaction is held under its hash and its signature counts as verified")
    func admit() async throws {
        var chain = try ChainFixture()
        let pool = mempool()
        let transaction = chain.transfer(ChainFixture.alice)
        let hash = try await pool.add(transaction.canonicalBytes)
        #expect(hash == transaction.hash)
        #expect(pool.count == 1)
        #expect(pool.bytesTotal == transaction.canonicalBytes.count)
        #expect(pool.verifiedHashes(in: [transaction, chain.transfer(ChainFixture.bob)]) == [hash])
        #expect(pool.invariantViolation() == nil)
    }

    @Test("a duplicate is refused by hash, and a second copy in one batch too")
    func duplicates() async throws {
        var chain = try ChainFixture()
        let pool = mempool()
        let transaction = chain.transfer(ChainFixture.alice)
        _ = try await pool.add(transaction.canonicalBytes)
        #expect(await error(pool, transaction) == .duplicate(transaction.hash))
        #expect(await error(pool, transaction)?.description.hasPrefix("duplicate transaction") == true)
        let other = chain.transfer(ChainFixture.bob)
        let results = await pool.add(batch: [other.canonicalBytes, other.canonicalBytes])
        #expect(try results[0].get() == other.hash)
        #expect(results[1] == .failure(.duplicate(other.hash)))
        #expect(pool.count == 2)
    }

    @Test("malformed, oversized, forged, wrong-chain and cheap transactions are refused with the ledger's codes")
    func refusals() async throws {
        var chain = try ChainFixture()
        let pool = mempool()
        let good = chain.transfer(ChainFixture.alice)
        var truncated = good.canonicalBytes
        truncated.removeLast(3)
        let malformed = await pool.add(batch: [truncated, [UInt8](repeating: 0, count: CodecLimits.transactionBytesMax + 1)])
        #expect(malformed[0].failureCode == 100)
        #expect(malformed[1] == .failure(.tooLarge(bytes: CodecLimits.transactionBytesMax + 1, bytesMax: CodecLimits.transactionBytesMax)))
        var forged = good
        forged.payload = .transfer(to: ChainFixture.bob.publicKey.address, amount: 999)
        #expect(await error(pool, forged) == .rejected(.badSignature))
        let otherChain = Transaction.signed(chainID: "other", sender: ChainFixture.alice, nonce: 0, fee: 1,
                                            payload: .transfer(to: ChainFixture.bob.publicKey.address, amount: 1))
        #expect(await error(pool, otherChain)?.code == 1)
        let noFee = chain.transfer(ChainFixture.bob, fee: 0)
        #expect(await error(pool, noFee) == .rejected(.feeTooLow(minimum: 1, got: 0)))
        let zero = chain.transfer(ChainFixture.carol, amount: 0)
        #expect(await error(pool, zero) == .rejected(.zeroAmount))
        #expect(pool.count == 0)
    }

    @Test("a transaction already decoded (a peer's) gets the verdicts its encoding gets, and is held at its encoding's size")
    func decodedTransactions() async throws {
        var chain = try ChainFixture()
        let pool = mempool()
        let good = chain.transfer(ChainFixture.alice)
        #expect(try pool.add(good) == good.hash)
        #expect(pool.bytesTotal == good.canonicalBytes.count)
        #expect(pool.verifiedHashes(in: [good]) == [good.hash])
        #expect(throws: MempoolError.duplicate(good.hash)) { try pool.add(good) }
        #expect(await error(pool, good) == .duplicate(good.hash))
        var forged = chain.transfer(ChainFixture.bob)
        forged.payload = .transfer(to: ChainFixture.carol.publicKey.address, amount: 999)
        #expect(throws: MempoolError.rejected(.badSignature)) { try pool.add(forged) }
        let noFee = chain.transfer(ChainFixture.carol, fee: 0)
        #expect(throws: MempoolError.rejected(.feeTooLow(minimum: 1, got: 0))) { try pool.add(noFee) }
        let oversized = Transaction.signed(chainID: String(repeating: "x", count: CodecLimits.transactionBytesMax), sender: ChainFixture.bob,
                                           nonce: 0, fee: 1, payload: .transfer(to: ChainFixture.alice.publicKey.address, amount: 1))
        let size = oversized.canonicalBytes.count
        #expect(throws: MempoolError.tooLarge(bytes: size, bytesMax: CodecLimits.transactionBytesMax)) { try pool.add(oversized) }
        #expect(pool.count == 1)
        #expect(pool.invariantViolation() == nil)
    }

    @Test("a client's submission is decoded once and admitted on the calling thread, with the verdicts of `add`")
    func submissions() throws {
        var chain = try ChainFixture()
        let pool = mempool()
        let good = chain.transfer(ChainFixture.alice)
        #expect(try pool.addDecoding(good.canonicalBytes) == good)
        #expect(pool.contains(good.hash))
        #expect(throws: MempoolError.duplicate(good.hash)) { try pool.addDecoding(good.canonicalBytes) }
        var forged = chain.transfer(ChainFixture.bob)
        forged.payload = .transfer(to: ChainFixture.carol.publicKey.address, amount: 999)
        #expect(throws: MempoolError.rejected(.badSignature)) { try pool.addDecoding(forged.canonicalBytes) }
        #expect(throws: MempoolError.tooLarge(bytes: CodecLimits.transactionBytesMax + 1, bytesMax: CodecLimits.transactionBytesMax)) {
            try pool.addDecoding([UInt8](repeating: 0, count: CodecLimits.transactionBytesMax + 1))
        }
        #expect((try? pool.addDecoding([1, 2, 3])) == nil)
        #expect(pool.count == 1)
    }

    @Test("a waiter for the next admission is woken once, by an admission only; with unlessHolding a pool that holds some registers none")
    func admissionWaiter() async throws {
        var chain = try ChainFixture()
        let pool = mempool()
        let wakes = Mutex(0)
        let wake: @Sendable () -> Void = { wakes.withLock { $0 += 1 } }
        #expect(pool.wakeOnNextAdmission(unlessHolding: true, wake))
        var forged = chain.transfer(ChainFixture.bob)
        forged.payload = .transfer(to: ChainFixture.carol.publicKey.address, amount: 999)
        #expect(throws: MempoolError.self) { try pool.add(forged) }
        #expect(wakes.withLock { $0 } == 0, "a refused transaction wakes no one")
        _ = try pool.add(chain.transfer(ChainFixture.alice))
        #expect(wakes.withLock { $0 } == 1)
        _ = try pool.add(chain.transfer(ChainFixture.alice))
        #expect(wakes.withLock { $0 } == 1, "once")
        #expect(!pool.wakeOnNextAdmission(unlessHolding: true, wake), "the pool holds transactions: nothing to wait for")
        _ = try pool.add(chain.transfer(ChainFixture.alice))
        #expect(wakes.withLock { $0 } == 1)
        // Without unlessHolding (a miner whose block carries none of what the pool holds), and by a batch.
        #expect(pool.wakeOnNextAdmission(unlessHolding: false, wake))
        let results = await pool.add(batch: [chain.transfer(ChainFixture.alice).canonicalBytes])
        #expect(results.allSatisfy { (try? $0.get()) != nil })
        #expect(wakes.withLock { $0 } == 2)
    }

    @Test("nonces must continue the sender's pending sequence: gaps and replays are refused")
    func nonceSequences() async throws {
        var chain = try ChainFixture()
        let pool = mempool()
        let first = chain.transfer(ChainFixture.alice)
        let second = chain.transfer(ChainFixture.alice)
        let third = chain.transfer(ChainFixture.alice)
        _ = try await pool.add(first.canonicalBytes)
        #expect(await error(pool, third)?.description == "bad nonce: expected 1, got 2")
        _ = try await pool.add(second.canonicalBytes)
        _ = try await pool.add(third.canonicalBytes)
        let replay = chain.transfer(ChainFixture.alice, amount: 11, nonce: 1)
        #expect(await error(pool, replay) == .rejected(.badNonce(expected: 3, got: 1)))
        #expect(pool.pendingCount(from: ChainFixture.alice.publicKey.address) == 3)
        #expect(pool.invariantViolation() == nil)
    }

    @Test("a batch admits each sender's sequence in nonce order whatever the batch order")
    func batchOrder() async throws {
        var chain = try ChainFixture()
        let pool = mempool()
        let transactions = (0..<5).map { _ in chain.transfer(ChainFixture.alice) }
        let results = await pool.add(batch: transactions.reversed().map(\.canonicalBytes))
        #expect(results.allSatisfy { (try? $0.get()) != nil })
        #expect(pool.reap(maxBytes: 1 << 20, maxCount: 100).map(\.nonce) == [0, 1, 2, 3, 4])
    }

    @Test("the balance must cover every pending amount and fee of the sender")
    func pendingBalance() async throws {
        var chain = try ChainFixture()
        let pool = mempool()
        _ = try await pool.add(chain.transfer(ChainFixture.alice, amount: 600_000).canonicalBytes)
        let tooMuch = chain.transfer(ChainFixture.alice, amount: 400_000)
        #expect(await error(pool, tooMuch)?.description == "insufficient balance: have 399999, need 400000 + fee 1")
        let exact = chain.transfer(ChainFixture.alice, amount: 399_998, nonce: 1)
        _ = try await pool.add(exact.canonicalBytes)
        let broke = chain.transfer(ChainFixture.alice, amount: 1, nonce: 2)
        #expect(await error(pool, broke) == .rejected(.cannotPayFee(balance: 0, fee: 1)))
        #expect(pool.invariantViolation() == nil)
    }

    @Test("the per-sender cap and the global count and byte caps refuse a transaction that pays no more, and evict nothing")
    func caps() async throws {
        var chain = try ChainFixture()
        let perSender = mempool(MempoolLimits(countMax: 100, bytesMax: 1 << 20, perSenderCountMax: 3))
        for _ in 0..<3 { _ = try await perSender.add(chain.transfer(ChainFixture.alice).canonicalBytes) }
        let fourth = await error(perSender, chain.transfer(ChainFixture.alice))
        #expect(fourth?.description.hasPrefix("too many pending transactions from sender") == true)
        #expect(fourth?.code == 104)

        var other = try ChainFixture()
        let byCount = mempool(MempoolLimits(countMax: 2, bytesMax: 1 << 20, perSenderCountMax: 2))
        _ = try await byCount.add(other.transfer(ChainFixture.alice).canonicalBytes)
        _ = try await byCount.add(other.transfer(ChainFixture.bob).canonicalBytes)
        let full = await error(byCount, other.transfer(ChainFixture.carol))
        #expect(full == .full(countMax: 2, bytesMax: 1 << 20, feeToExceed: 1), "an equal fee evicts nothing")
        #expect(full?.description.hasPrefix("mempool full") == true)
        #expect(byCount.count == 2)

        var third = try ChainFixture()
        let size = third.transfer(ChainFixture.alice).canonicalBytes.count
        third.nonces = [:]
        let byBytes = mempool(MempoolLimits(countMax: 100, bytesMax: 2 * size + size / 2, perSenderCountMax: 100))
        _ = try await byBytes.add(third.transfer(ChainFixture.alice).canonicalBytes)
        _ = try await byBytes.add(third.transfer(ChainFixture.alice).canonicalBytes)
        #expect(await error(byBytes, third.transfer(ChainFixture.alice)) == .full(countMax: 100, bytesMax: 2 * size + size / 2, feeToExceed: nil))
        #expect(byBytes.bytesTotal == 2 * size)
    }

    @Test("a large batch is verified in parallel and every forged signature in it is found")
    func parallelVerification() async throws {
        var chain = try ChainFixture()
        let pool = mempool(MempoolLimits(countMax: 10_000, bytesMax: 1 << 24, perSenderCountMax: 1_000))
        var transactions: [Transaction] = []
        for index in 0..<400 {
            var transaction = chain.transfer(ChainFixture.users[index % 4], amount: 1)
            if index % 37 == 5 { transaction.fee = 2 }  // changes the signed bytes: the signature no longer verifies
            transactions.append(transaction)
        }
        let forged = Set(transactions.indices.filter { $0 % 37 == 5 })
        let verified = await SignatureBatch.verify(transactions)
        #expect(Set(verified.indices.filter { !verified[$0] }) == forged)
        let results = await pool.add(batch: transactions.map(\.canonicalBytes))
        for index in forged { #expect(results[index] == .failure(.rejected(.badSignature))) }
        // A forged nonce n leaves a gap: that sender's later transactions are refused as bad nonces.
        #expect(pool.count == results.filter { (try? $0.get()) != nil }.count)
        #expect(pool.count > 0 && pool.count < 400 - forged.count)
        #expect(pool.invariantViolation() == nil)
    }

    @Test("reap takes senders in turn, nonce order within a sender, and respects count and bytes")
    func reapOrder() async throws {
        var chain = try ChainFixture()
        let pool = mempool()
        var batch: [Transaction] = []
        for _ in 0..<3 { batch.append(chain.transfer(ChainFixture.alice)) }
        batch.append(chain.transfer(ChainFixture.bob))
        for _ in 0..<2 { batch.append(chain.transfer(ChainFixture.carol)) }
        for transaction in batch { _ = try await pool.add(transaction.canonicalBytes) }
        let a = ChainFixture.alice.publicKey.address, b = ChainFixture.bob.publicKey.address, c = ChainFixture.carol.publicKey.address
        let all = pool.reap(maxBytes: 1 << 20, maxCount: 100)
        #expect(all.map { [a: "a", b: "b", c: "c"][$0.senderAddress] ?? "?" } == ["a", "b", "c", "a", "c", "a"])
        #expect(all.filter { $0.senderAddress == a }.map(\.nonce) == [0, 1, 2])
        #expect(pool.reap(maxBytes: 1 << 20, maxCount: 4).count == 4)
        let size = batch[0].canonicalBytes.count
        #expect(pool.reap(maxBytes: 2 * size + 1, maxCount: 100).count == 2)
        #expect(pool.reap(maxBytes: 1 << 20, maxCount: 100) == all, "the same pool reaps the same list")
        #expect(pool.count == 6, "reaping does not remove")
    }

    @Test("reap hands the proposer the highest fees first, each sender's transactions in nonce order")
    func reapByFee() async throws {
        var chain = try ChainFixture()
        let pool = mempool()
        let a = ChainFixture.alice.publicKey.address, b = ChainFixture.bob.publicKey.address, c = ChainFixture.carol.publicKey.address
        // Alice's fee-5 transaction waits behind her fee-1 one: nonces are never reordered.
        let batch = [chain.transfer(ChainFixture.alice, fee: 1), chain.transfer(ChainFixture.alice, fee: 5),
                     chain.transfer(ChainFixture.bob, fee: 3),
                     chain.transfer(ChainFixture.carol, fee: 2), chain.transfer(ChainFixture.carol, fee: 2)]
        for transaction in batch { _ = try await pool.add(transaction.canonicalBytes) }
        let reaped = pool.reap(maxBytes: 1 << 20, maxCount: 100)
        let names = [a: "a", b: "b", c: "c"]
        #expect(reaped.map { "\(names[$0.senderAddress] ?? "?")\($0.nonce)" } == ["b0", "c0", "c1", "a0", "a1"])
        #expect(reaped.map(\.fee) == [3, 2, 2, 1, 5])
        #expect(pool.reap(maxBytes: 1 << 20, maxCount: 2).map(\.fee) == [3, 2])
    }

    @Test("a full pool evicts the lowest-fee, newest last-nonce transaction of another sender for one that pays more")
    func evictionByFee() async throws {
        var chain = try ChainFixture()
        let pool = mempool(MempoolLimits(countMax: 3, bytesMax: 1 << 20, perSenderCountMax: 3))
        let alice = chain.transfer(ChainFixture.alice, fee: 3)
        let bob = [chain.transfer(ChainFixture.bob, fee: 1), chain.transfer(ChainFixture.bob, fee: 1)]
        for transaction in [alice] + bob { _ = try await pool.add(transaction.canonicalBytes) }

        // Bob's nonce 1 goes, not his nonce 0: evicting a last nonce leaves no gap.
        let carol = chain.transfer(ChainFixture.carol, fee: 2)
        _ = try await pool.add(carol.canonicalBytes)
        #expect(!pool.contains(bob[1].hash) && pool.contains(bob[0].hash))
        #expect(pool.pendingCount(from: ChainFixture.bob.publicKey.address) == 1)
        #expect(pool.invariantViolation() == nil)

        let dave = chain.transfer(ChainFixture.dave, to: ChainFixture.alice, fee: 2)
        _ = try await pool.add(dave.canonicalBytes)
        #expect(!pool.contains(bob[0].hash))
        #expect(pool.count == 3)

        // Now the cheapest pay 2: a fee of 2 is refused with the fee to beat, and evicts nothing.
        let equal = chain.transfer(ChainFixture.bob, fee: 2, nonce: 0)
        let refusal = await error(pool, equal)
        #expect(refusal == .full(countMax: 3, bytesMax: 1 << 20, feeToExceed: 2))
        #expect(refusal?.description == "mempool full (3 transactions or 1048576 bytes): pay a fee above 2 to replace cheaper transactions, or retry after the next block")
        #expect(refusal?.code == 103)
        #expect(Set([alice, carol, dave].map(\.hash)) == Set(pool.reap(maxBytes: 1 << 20, maxCount: 10).map(\.hash)))
        // Bob's nonce starts again at 0: his evicted transactions may be sent again with a higher fee.
        _ = try await pool.add(chain.transfer(ChainFixture.bob, fee: 9, nonce: 0).canonicalBytes)
        #expect(pool.pendingCount(from: ChainFixture.bob.publicKey.address) == 1)
        #expect(pool.invariantViolation() == nil)
    }

    @Test("a newcomer larger than the cheapest transaction evicts as many as its bytes need when all pay less, else none")
    func evictionByBytes() async throws {
        var chain = try ChainFixture()
        let size = chain.transfer(ChainFixture.dave).canonicalBytes.count
        chain.nonces = [:]
        let pool = mempool(MempoolLimits(countMax: 100, bytesMax: 2 * size, perSenderCountMax: 10))
        let alice = chain.transfer(ChainFixture.alice, fee: 1), bob = chain.transfer(ChainFixture.bob, fee: 4)
        for transaction in [alice, bob] { _ = try await pool.add(transaction.canonicalBytes) }
        // A first self-stake with a 64-byte name is larger than one transfer, so both must go.
        func stake(fee: UInt64) -> Transaction {
            Transaction.signed(chainID: ChainFixture.chainID, sender: ChainFixture.carol, nonce: 0, fee: fee,
                               payload: .stake(validator: ChainFixture.carol.publicKey, amount: 1_000,
                                               name: String(repeating: "n", count: CodecLimits.nameBytesMax)))
        }
        #expect(stake(fee: 4).canonicalBytes.count > size)
        #expect(await error(pool, stake(fee: 4)) == .full(countMax: 100, bytesMax: 2 * size, feeToExceed: 4))
        #expect(pool.contains(alice.hash) && pool.contains(bob.hash), "a refusal evicts nothing, not even the cheaper one")
        let paying = stake(fee: 5)
        _ = try await pool.add(paying.canonicalBytes)
        #expect(pool.count == 1 && pool.contains(paying.hash))
        #expect(pool.bytesTotal == paying.canonicalBytes.count)
        #expect(pool.invariantViolation() == nil)
    }

    @Test("keys with no balance cannot enter, free or paying, and a full pool evicts nothing for them")
    func freshKeys() async throws {
        var chain = try ChainFixture()
        let pool = mempool(MempoolLimits(countMax: 1, bytesMax: 1 << 20, perSenderCountMax: 1))
        let held = chain.transfer(ChainFixture.alice, fee: 1)
        _ = try await pool.add(held.canonicalBytes)
        let fresh = ChainFixture.key(99)
        let free = Transaction.signed(chainID: ChainFixture.chainID, sender: fresh, nonce: 0, fee: 0,
                                      payload: .unjail(validator: ChainFixture.validatorKeys[0].publicKey))
        let paying = Transaction.signed(chainID: ChainFixture.chainID, sender: fresh, nonce: 0, fee: 1_000,
                                        payload: .unjail(validator: ChainFixture.validatorKeys[0].publicKey))
        #expect(await error(pool, free) == .rejected(.feeTooLow(minimum: 1, got: 0)))
        #expect(await error(pool, paying) == .rejected(.cannotPayFee(balance: 0, fee: 1_000)))
        #expect(pool.contains(held.hash) && pool.count == 1)
    }

    @Test("extreme fees, nonces and amounts are refused with the ledger's errors, not trapped on")
    func extremeValues() async throws {
        var chain = try ChainFixture()
        let pool = mempool()
        #expect(await error(pool, chain.transfer(ChainFixture.alice, fee: UInt64.max, nonce: 0))
            == .rejected(.cannotPayFee(balance: 1_000_000, fee: UInt64.max)))
        let lastNonce = Transaction.signed(chainID: ChainFixture.chainID, sender: ChainFixture.alice, nonce: UInt64.max, fee: 1,
                                           payload: .transfer(to: ChainFixture.bob.publicKey.address, amount: 1))
        #expect(await error(pool, lastNonce) == .rejected(.badNonce(expected: 0, got: UInt64.max)))
        #expect(await error(pool, chain.transfer(ChainFixture.alice, amount: UInt64.max, nonce: 0))
            == .rejected(.insufficientBalance(have: 1_000_000, need: UInt64.max, fee: 1)))
        _ = try await pool.add(chain.transfer(ChainFixture.alice, amount: 999_000, nonce: 0).canonicalBytes)
        #expect(await error(pool, chain.transfer(ChainFixture.alice, amount: UInt64.max - 1, fee: UInt64.max, nonce: 1))
            == .rejected(.cannotPayFee(balance: 999, fee: UInt64.max)))
        #expect(pool.invariantViolation() == nil)
    }

    @Test("update removes committed transactions and drops those the new state invalidates")
    func recheckAfterBlock() async throws {
        var chain = try ChainFixture()
        let pool = mempool()
        let mine = [chain.transfer(ChainFixture.alice), chain.transfer(ChainFixture.alice)]
        for transaction in mine { _ = try await pool.add(transaction.canonicalBytes) }
        // Bob's two pending transfers are valid now; another node's block spends his balance.
        _ = try await pool.add(chain.transfer(ChainFixture.bob, amount: 500_000).canonicalBytes)
        _ = try await pool.add(chain.transfer(ChainFixture.bob, amount: 400_000).canonicalBytes)
        let elsewhere = Transaction.signed(chainID: ChainFixture.chainID, sender: ChainFixture.bob, nonce: 0, fee: 1,
                                           payload: .transfer(to: ChainFixture.carol.publicKey.address, amount: 999_000))
        var ledger = chain.ledger
        _ = ledger.execute(height: 1, timeMillis: 1_000, proposer: ChainFixture.validatorKeys[0].publicKey.address,
                           transactions: [mine[0], elsewhere], evidence: [], lastCommitParticipation: [])
        let update = pool.update(committed: [mine[0], elsewhere], ledger: ledger)
        #expect(update.removedCommittedCount == 1)
        #expect(update.dropped.count == 2, "bob's nonce 0 is taken and nonce 1 would leave a gap")
        #expect(update.dropped.first?.reason == .rejected(.badNonce(expected: 1, got: 0)))
        #expect(pool.count == 1)
        #expect(pool.reap(maxBytes: 1 << 20, maxCount: 10) == [mine[1]])
        #expect(pool.invariantViolation() == nil)
        // After the block, alice continues from nonce 2.
        _ = try await pool.add(chain.transfer(ChainFixture.alice).canonicalBytes)
        #expect(pool.count == 2)
    }

    @Test("a sequence pending across blocks keeps its place and continues at the next nonce")
    func acrossBlocks() async throws {
        var chain = try ChainFixture()
        let pool = mempool()
        for _ in 0..<6 { _ = try await pool.add(chain.transfer(ChainFixture.alice).canonicalBytes) }
        chain.state.blockParams.maxTxs = 4
        let first = try await chain.commitBlock(mempool: pool)
        #expect(first.block.transactions.map(\.nonce) == [0, 1, 2, 3])
        #expect(first.result.transactionErrors.allSatisfy { $0 == nil })
        #expect(pool.count == 2)
        let second = try await chain.commitBlock(mempool: pool)
        #expect(second.block.transactions.map(\.nonce) == [4, 5])
        #expect(pool.count == 0)
        #expect(chain.ledger.state.account(ChainFixture.alice.publicKey.address).nonce == 6)
    }
}

extension Result where Failure == MempoolError {
    var failureCode: UInt32? {
        if case .failure(let error) = self { return error.code }
        return nil
    }
}
