import Foundation
import RatifyTestSupport
import Testing
import RatifyCore
@testable import RatifyNode

@Suite("key files")
struct KeyFileTests {
    @Test("a key file is created 0600, reads back to the same key, and is never overwritten")
    func createdPrivate() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/validator_key.json"
        let pair = KeyPair.generate()
        try KeyFile.write(pair, to: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try KeyFile.read(from: path).publicKey == pair.publicKey)
        #expect(throws: FileSystemError.self) { try KeyFile.write(KeyPair.generate(), to: path) }
        #expect(try KeyFile.read(from: path).seed == pair.seed)
    }

    @Test("a public key that does not match the seed is refused")
    func mismatch() throws {
        let pair = KeyPair.generate()
        let other = KeyPair.generate()
        let text = KeyFile.text(for: pair).replacingOccurrences(of: pair.publicKey.hex, with: other.publicKey.hex)
        #expect(throws: FileFormatError(file: "node_key.json", location: "pub_key",
                                        reason: "does not match priv_key (expected \(pair.publicKey.hex)); the file was edited or mixed up")) {
            try KeyFile.decode(Array(text.utf8), file: "node_key.json")
        }
    }

    @Test("a missing file is a one-line error naming it")
    func missing() {
        #expect(throws: FileFormatError(file: "/nonexistent/key.json", location: "", reason: "cannot read: No such file or directory")) {
            try KeyFile.read(from: "/nonexistent/key.json")
        }
    }
}
