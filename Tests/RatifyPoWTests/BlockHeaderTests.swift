import RatifyCore
import Testing
@testable import RatifyPoW

@Suite("80-byte headers: layout, sha256d, display order, own target")
struct BlockHeaderTests {
    @Test("real mainnet headers hash to their published hashes and meet their own bits",
          arguments: BitcoinHeaders.all.indices)
    func realHeader(index: Int) throws {
        let sample = BitcoinHeaders.all[index]
        let header = try BlockHeader80(hex: sample.hex)
        #expect(header.hex == sample.hex, "serializes back to the same 80 bytes")
        #expect(header.hash.displayHex == sample.hash)
        #expect(header.meetsOwnTarget)
        #expect(header.meetsTarget(limit: BitcoinRetarget.bitcoinMainnet.powLimit))
        // Display order is the reverse of the bytes hashed and serialized.
        #expect(header.hash.internalBytes == Array(Hex.decode(sample.hash) ?? []).reversed())
        #expect(PoWHash(displayHex: sample.hash) == header.hash)
    }

    @Test("the genesis header's fields decode as published")
    func genesisFields() throws {
        let genesis = try BlockHeader80(hex: BitcoinHeaders.all[0].hex)
        #expect(genesis.version == 1)
        #expect(genesis.previousHash == .zero)
        #expect(genesis.merkleRoot.displayHex == "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b")
        #expect(genesis.time == 1_231_006_505)
        #expect(genesis.bits.bits == 0x1d00ffff)
        #expect(genesis.nonce == 2_083_236_893)
    }

    @Test("each sample's previous hash is the hash of the sample before it, where consecutive")
    func chainLinks() throws {
        let samples = BitcoinHeaders.all
        var linked = 0
        for (previous, next) in zip(samples, samples.dropFirst()) where next.height == previous.height + 1 {
            #expect(try BlockHeader80(hex: next.hex).previousHash.displayHex == previous.hash)
            linked += 1
        }
        #expect(linked == 3)  // 0→1, 32255→32256, 34271→34272
    }

    @Test("a changed nonce or changed bits no longer validate")
    func tamperedHeaders() throws {
        var header = try BlockHeader80(hex: BitcoinHeaders.all[7].hex)  // 100000
        header.nonce &+= 1
        #expect(!header.meetsOwnTarget)
        header = try BlockHeader80(hex: BitcoinHeaders.all[7].hex)
        header.bits = CompactTarget(bits: 0x1b00ffff)  // 0x48 times harder than its own
        #expect(!header.meetsOwnTarget)
        header.bits = CompactTarget(bits: 0x04923456)  // negative
        #expect(!header.meetsOwnTarget)
        header.bits = CompactTarget(bits: 0xff123456)  // overflow
        #expect(!header.meetsOwnTarget)
        // The real bits, but a limit below them.
        let real = try BlockHeader80(hex: BitcoinHeaders.all[7].hex)
        #expect(!real.meetsTarget(limit: UInt256(1)))
    }

    @Test("wrong lengths and non-hex input are errors that say what is wrong")
    func parseErrors() {
        #expect(throws: BlockHeader80.ParseError.wrongLength(79)) { try BlockHeader80(bytes: [UInt8](repeating: 0, count: 79)) }
        #expect(throws: BlockHeader80.ParseError.wrongLength(81)) { try BlockHeader80(hex: String(repeating: "00", count: 81)) }
        #expect(throws: BlockHeader80.ParseError.notHex) { try BlockHeader80(hex: "zz" + String(repeating: "00", count: 79)) }
        #expect(throws: BlockHeader80.ParseError.wrongLength(0)) { try BlockHeader80(hex: "") }
        #expect("\(BlockHeader80.ParseError.wrongLength(79))".contains("exactly 80 bytes"))
    }

    @Test("any 80 bytes parse and serialize back unchanged")
    func roundTripRandom() throws {
        var random = SplitMix64(seed: 0x80)
        for iteration in 0..<1_000 {
            let bytes = (0..<80).map { _ in UInt8.random(in: 0...255, using: &random) }
            #expect(try BlockHeader80(bytes: bytes).bytes == bytes, "seed 0x80, iteration \(iteration)")
        }
    }

    @Test("random and mutated hex never traps: a header or a ParseError, and accepted text re-encodes")
    func fuzzHex() {
        var random = SplitMix64(seed: 0x4E7)
        let seed = Array(BitcoinHeaders.all[7].hex.utf8)
        let alphabet = Array("0123456789abcdefABCDEFxz \n-".utf8)
        var accepted = 0
        for iteration in 0..<20_000 {
            var text = seed
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                switch Int.random(in: 0...2, using: &random) {
                case 0 where !text.isEmpty: text[Int.random(in: 0..<text.count, using: &random)] = alphabet.randomElement(using: &random) ?? 0
                case 1 where !text.isEmpty: text.remove(at: Int.random(in: 0..<text.count, using: &random))
                default: text.insert(alphabet.randomElement(using: &random) ?? 0, at: Int.random(in: 0...text.count, using: &random))
                }
            }
            let string = String(decoding: text, as: UTF8.self)
            if let header = try? BlockHeader80(hex: string) {
                accepted += 1
                #expect(header.hex == string.lowercased(), "seed 0x4E7, iteration \(iteration)")
            }
        }
        #expect(accepted > 0 && accepted < 20_000)
    }
}
