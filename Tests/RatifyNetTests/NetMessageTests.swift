import Testing
import RatifyCore
@testable import RatifyNet

@Suite("wire messages")
struct NetMessageTests {
    @Test("every message kind round-trips through its canonical encoding")
    func roundTrip() throws {
        let messages = NetSamples.all()
        #expect(Set(messages.map(\.kind.rawValue)).count == NetMessage.Kind.allCases.count)
        for message in messages {
            let decoded = try NetMessage.decode(message.encoded, chainID: NetSamples.chainID)
            #expect(decoded == message)
        }
    }

    @Test("a message naming another chain is rejected as foreign")
    func foreignChain() {
        for message in NetSamples.all() where message.chainID != nil {
            #expect(throws: NetMessage.DecodingError.foreignChain(expected: "other-chain", got: NetSamples.chainID)) {
                try NetMessage.decode(message.encoded, chainID: "other-chain")
            }
        }
    }

    @Test("unknown tags, trailing bytes and truncations are malformed, not traps")
    func malformed() {
        #expect(throws: NetMessage.DecodingError.self) { try NetMessage.decode([0xEE], chainID: NetSamples.chainID) }
        #expect(throws: NetMessage.DecodingError.self) { try NetMessage.decode([], chainID: NetSamples.chainID) }
        let vote = NetMessage.vote(NetSamples.vote()).encoded
        #expect(throws: NetMessage.DecodingError.self) { try NetMessage.decode(vote + [0], chainID: NetSamples.chainID) }
        for cut in 0..<vote.count {
            #expect(throws: NetMessage.DecodingError.self) { try NetMessage.decode(Array(vote[..<cut]), chainID: NetSamples.chainID) }
        }
    }

    @Test("block parts beyond the cap and bitmaps with stray bits are rejected")
    func caps() throws {
        var part = BlockPart.split(NetSamples.block())[0]
        part.total = UInt32(NetLimits.blockPartsMax + 1)
        #expect(throws: NetMessage.DecodingError.self) { try NetMessage.decode(NetMessage.blockPart(part).encoded, chainID: NetSamples.chainID) }
        part.total = 2
        part.index = 2
        #expect(throws: NetMessage.DecodingError.self) { try NetMessage.decode(NetMessage.blockPart(part).encoded, chainID: NetSamples.chainID) }

        // A 3-bit bitmap whose byte has bit 5 set.
        var writer = ByteWriter()
        writer.write(UInt32(3))
        writer.write(UInt8(0b0010_0001))
        #expect(throws: DecodeError.self) { try VoteBitmap(canonicalBytes: writer.bytes) }
        var oversized = ByteWriter()
        oversized.write(UInt32(NetLimits.voteBitmapBitsMax + 1))
        #expect(throws: DecodeError.self) { try VoteBitmap(canonicalBytes: oversized.bytes) }

        // Headers-first sync: whole 80-byte headers only, at most 2,000; at most 64 locator hashes.
        for bytes in [79, 81, PoWHeaderBatch.headerBytes * (PoWHeaderBatch.headersMax + 1)] {
            let batch = NetMessage.powHeaders(PoWHeaderBatch([UInt8](repeating: 1, count: bytes))).encoded
            #expect(throws: NetMessage.DecodingError.self) { try NetMessage.decode(batch, chainID: NetSamples.chainID) }
        }
        let full = NetMessage.powHeaders(PoWHeaderBatch([UInt8](repeating: 1, count: PoWHeaderBatch.headerBytes * PoWHeaderBatch.headersMax)))
        #expect(try NetMessage.decode(full.encoded, chainID: NetSamples.chainID) == full)
        let locator = NetMessage.powHeadersRequest(PoWLocator([Hash](repeating: Hash.sha256([1]), count: PoWLocator.hashesMax + 1))).encoded
        #expect(throws: NetMessage.DecodingError.self) { try NetMessage.decode(locator, chainID: NetSamples.chainID) }

        let big = [UInt8](repeating: 0, count: NetLimits.messageBytesMax + 1)
        #expect(throws: NetMessage.DecodingError.tooLarge(bytes: big.count)) { try NetMessage.decode(big, chainID: NetSamples.chainID) }
    }

    @Test("a large block splits into parts that rejoin to the same bytes")
    func blockParts() throws {
        let block = NetSamples.block(transactions: 600)
        let parts = BlockPart.split(block)
        #expect(parts.count > 1)
        #expect(parts.allSatisfy { $0.bytes.count <= NetLimits.blockPartBytesMax && Int($0.total) == parts.count })
        let joined = parts.flatMap(\.bytes)
        #expect(try Block(canonicalBytes: joined) == block)
    }

    @Test("vote bitmaps set, grow, union and count")
    func bitmap() throws {
        var bitmap = VoteBitmap(count: 10)
        bitmap.insert(3)
        bitmap.insert(70)
        #expect(bitmap.contains(3) && bitmap.contains(70) && !bitmap.contains(4))
        #expect(bitmap.count == 71)
        var other = VoteBitmap(count: 2)
        other.insert(1)
        bitmap.formUnion(other)
        #expect(bitmap.setCount == 3)
        #expect(try VoteBitmap(canonicalBytes: bitmap.canonicalBytes) == bitmap)
        bitmap.insert(NetLimits.voteBitmapBitsMax)
        #expect(bitmap.count == 71)
    }
}
