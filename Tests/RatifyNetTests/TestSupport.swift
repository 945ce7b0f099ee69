import Logging
import NIOCore
import NIOPosix
import RatifyCore
import Synchronization
import Testing
@testable import RatifyNet

/// Collects log lines so a test can assert the clear error a failure produced.
final class LogStore: Sendable {
    let lines = Mutex<[String]>([])

    func logger(_ label: String = "test") -> Logger {
        Logger(label: label) { _ in CapturingLogHandler(store: self) }
    }

    func contains(_ fragment: String) -> Bool { lines.withLock { $0.contains { $0.contains(fragment) } } }
    var all: [String] { lines.withLock { $0 } }
}

struct CapturingLogHandler: LogHandler {
    let store: LogStore
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        store.lines.withLock { $0.append("\(event.level) \(event.message) \(merged)") }
    }
}

enum Wait {
    /// Polls `condition` every 20 ms until it holds or `seconds` pass; returns whether it held.
    static func until(seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }
}

/// Shared by all tests in the process: two threads, like the machine.
let testGroup = MultiThreadedEventLoopGroup(numberOfThreads: 2)

func makeConfig(_ index: Int, chainID: String = NetSamples.chainID, peers: [PeerAddress] = [],
                port: Int = 0, udp: Bool = false) -> NetConfig {
    var config = NetConfig(chainID: chainID, nodeKey: NetSamples.nodeKey(index))
    config.listenHost = "127.0.0.1"
    config.listenPort = port
    config.udpListenPort = udp ? 0 : nil
    config.persistentPeers = peers
    config.handshakeTimeoutMillis = 2_000
    config.dialBackoffBaseMillis = 50
    config.dialBackoffMaxMillis = 400
    config.misbehaviourBackoffMillis = 300
    config.jitterSeed = UInt64(index)
    config.gossipIntervalMillis = 50
    return config
}

func address(of manager: PeerManager) -> PeerAddress {
    PeerAddress(nodeID: manager.nodeID, host: "127.0.0.1", port: manager.listeningPort ?? 0)
}

/// Reads delivered messages in the background so tests can ask what arrived.
final class Inbox: Sendable {
    final class Box: Sendable { let value = Mutex<[InboundMessage]>([]) }
    private let box = Box()
    func snapshot() -> [InboundMessage] { box.value.withLock { $0 } }
    let task: Task<Void, Never>

    init(_ manager: PeerManager) {
        let box = self.box
        task = Task {
            for await message in manager.inbound { box.value.withLock { $0.append(message) } }
        }
    }

    func votes() -> [Vote] {
        snapshot().compactMap { if case .vote(let vote) = $0.message { vote } else { nil } }
    }

    func count(where predicate: (InboundMessage) -> Bool) -> Int { snapshot().filter(predicate).count }
}

/// A raw TCP client for playing a misbehaving peer: writes whatever bytes it is given and
/// collects whatever frames come back.
final class RawPeer: Sendable {
    let channel: any Channel
    let frames: AsyncStream<ByteBuffer>

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let continuation: AsyncStream<ByteBuffer>.Continuation
        init(_ continuation: AsyncStream<ByteBuffer>.Continuation) { self.continuation = continuation }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { continuation.yield(unwrapInboundIn(data)) }
        func channelInactive(context: ChannelHandlerContext) { continuation.finish() }
        func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
    }

    init(port: Int) async throws {
        let (frames, continuation) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(64))
        self.frames = frames
        channel = try await ClientBootstrap(group: testGroup)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(FrameDecoder(limit: FrameSizeLimit(bytes: NetLimits.frameBytesMax))))
                    try channel.pipeline.syncOperations.addHandler(Collector(continuation))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
    }

    static func frame(_ body: [UInt8]) -> [UInt8] {
        var bytes = withUnsafeBytes(of: UInt32(body.count).bigEndian) { Array($0) }
        bytes.append(contentsOf: body)
        return bytes
    }

    func write(_ bytes: [UInt8]) async throws {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        try await channel.writeAndFlush(buffer).get()
    }

    func nextFrame() async -> [UInt8]? {
        var iterator = frames.makeAsyncIterator()
        return await iterator.next().map { Array($0.readableBytesView) }
    }

    func close() async { try? await channel.close() }
}
