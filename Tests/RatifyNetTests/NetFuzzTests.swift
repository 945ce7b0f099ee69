import Foundation
import NIOCore
import NIOEmbedded
import RatifyCore
import Testing
@testable import RatifyNet

/// In-process random/mutation fuzzing of the network decoders. Inputs are random bytes or
/// mutations of valid encodings; a decoder may reject an input but must never trap. The suite
/// runs 20,000 message inputs and 5,000 pipeline inputs; the long run (docs/NETWORK.md) sets RATIFY_FUZZ_ITERATIONS:
///
///     RATIFY_FUZZ_ITERATIONS=1000000 swift test --filter NetFuzzTests
///
/// A failure names the seed and iteration that reproduce it.
@Suite("network decoder fuzzing")
struct NetFuzzTests {
    static var iterations: Int {
        ProcessInfo.processInfo.environment["RATIFY_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 20_000
    }

    /// The pipeline target builds a channel per input, so the default run gives it fewer.
    static var pipelineIterations: Int {
        ProcessInfo.processInfo.environment["RATIFY_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 5_000
    }

    @Test("message decoder: never traps, and whatever it accepts re-encodes to the same bytes")
    func messageDecoder() {
        let seeds = NetSamples.all().map(\.encoded)
        let rngSeed: UInt64 = 0x4E45_5446_555A_5A01
        var random = SplitMix64(seed: rngSeed)
        var accepted = 0
        for iteration in 0..<Self.iterations {
            let input = iteration % 5 == 0 ? randomBytes(&random) : mutate(seeds[iteration % seeds.count], &random)
            guard let message = try? NetMessage.decode(input, chainID: NetSamples.chainID) else { continue }
            accepted += 1
            if message.encoded != input {
                Issue.record("accepted input re-encodes differently (seed \(rngSeed), iteration \(iteration))")
                return
            }
        }
        for seed in seeds { #expect((try? NetMessage.decode(seed, chainID: NetSamples.chainID))?.encoded == seed) }
        #expect(accepted < Self.iterations / 2, "accepted \(accepted) of \(Self.iterations)")
    }

    @Test("frame decoder, AEAD and codec pipeline: mutated streams never trap and never yield a message that was not sent")
    func framePipeline() throws {
        let key = Bytes32([UInt8](repeating: 3, count: 32)) ?? .zero
        let sent: [NetMessage] = [.vote(NetSamples.vote()), .transaction(TransactionGossip(NetSamples.transaction())), .peerState(NetSamples.peerState())]
        var sender = FrameCipher(key: key)
        var stream: [UInt8] = []
        for message in sent { stream += try RawPeer.sealedFrame(message, &sender) }

        let rngSeed: UInt64 = 0x4E45_5446_555A_5A02
        var random = SplitMix64(seed: rngSeed)
        var cleanRuns = 0
        for iteration in 0..<Self.pipelineIterations {
            let input = iteration == 0 ? stream : (iteration % 7 == 0 ? randomBytes(&random) : mutate(stream, &random))
            let received = Self.feed(input, key: key, chunk: Int.random(in: 1...64, using: &random))
            // AEAD: a message comes out only if its frame is exactly what was sealed, in order.
            if received != Array(sent.prefix(received.count)) {
                Issue.record("pipeline yielded a message that was not sent (seed \(rngSeed), iteration \(iteration))")
                return
            }
            if received.count == sent.count { cleanRuns += 1 }
        }
        #expect(cleanRuns >= 1, "the unmutated stream decodes completely")
        #expect(cleanRuns < Self.pipelineIterations / 2)
    }

    /// Pushes bytes through a fresh receive pipeline in chunks; returns the messages that came out.
    static func feed(_ bytes: [UInt8], key: Bytes32, chunk: Int) -> [NetMessage] {
        let sink = Sink()
        let channel = EmbeddedChannel()
        do {
            try channel.pipeline.syncOperations.addHandlers([
                ByteToMessageHandler(FrameDecoder(limit: FrameSizeLimit(bytes: NetLimits.frameBytesMax)),
                                     maximumBufferSize: NetLimits.frameBytesMax + 64 * 1024),
                FrameCipherHandler(sender: FrameCipher(key: key), receiver: FrameCipher(key: key)),
                MessageCodecHandler(chainID: NetSamples.chainID, metrics: NetMetrics()),
                sink,
            ])
            var offset = 0
            while offset < bytes.count, !sink.failed {
                let end = min(bytes.count, offset + chunk)
                var buffer = channel.allocator.buffer(capacity: end - offset)
                buffer.writeBytes(bytes[offset..<end])
                try channel.writeInbound(buffer)
                offset = end
            }
        } catch {
            // A decoder error is a rejection; the property under test is "no trap, no forgery".
        }
        _ = try? channel.finish()
        return sink.messages
    }

    final class Sink: ChannelInboundHandler {
        typealias InboundIn = ReceivedMessage
        var messages: [NetMessage] = []
        var failed = false
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { messages.append(unwrapInboundIn(data).message) }
        func errorCaught(context: ChannelHandlerContext, error: Error) { failed = true }
    }
}

func randomBytes(_ random: inout SplitMix64) -> [UInt8] {
    (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
}

func mutate(_ seed: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
    var bytes = seed
    for _ in 0..<Int.random(in: 1...4, using: &random) {
        switch Int.random(in: 0..<7, using: &random) {
        case 0 where !bytes.isEmpty:
            let index = Int.random(in: 0..<bytes.count, using: &random)
            bytes[index] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
        case 1 where !bytes.isEmpty:
            bytes.removeLast(Int.random(in: 1...bytes.count, using: &random))
        case 2:
            let index = Int.random(in: 0...bytes.count, using: &random)
            bytes.insert(contentsOf: (0..<Int.random(in: 1...8, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }, at: index)
        case 3 where bytes.count >= 4:
            let index = Int.random(in: 0...(bytes.count - 4), using: &random)
            let candidates: [UInt32] = [.max, 0x8000_0000, 0x0010_0011, UInt32(NetLimits.frameBytesMax), 0, 16, UInt32(NetLimits.voteBitmapBitsMax + 1)]
            let value = candidates.randomElement(using: &random) ?? 0
            withUnsafeBytes(of: value.bigEndian) { bytes.replaceSubrange(index..<(index + 4), with: $0) }
        case 4 where !bytes.isEmpty:
            let index = Int.random(in: 0..<bytes.count, using: &random)
            bytes[index] = [0, 1, 2, 0x7f, 0x80, 0xff].randomElement(using: &random) ?? 0
        case 5 where bytes.count > 8:
            // Duplicate a slice (replayed or repeated frames).
            let start = Int.random(in: 0..<(bytes.count - 1), using: &random)
            let end = Int.random(in: (start + 1)...bytes.count, using: &random)
            bytes.insert(contentsOf: bytes[start..<end], at: Int.random(in: 0...bytes.count, using: &random))
        default:
            bytes.append(UInt8.random(in: 0...255, using: &random))
        }
    }
    return bytes
}
