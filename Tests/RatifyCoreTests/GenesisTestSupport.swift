@testable import RatifyCore

/// Fixed keys and a small valid genesis file that tests mutate one field at a time.
enum GenesisFixture {
    static func key(_ index: UInt8) -> KeyPair {
        // Seeds 1, 2, 3...: always valid, and the same keys on every run.
        KeyPair(seed: [UInt8](repeating: index, count: 32)) ?? KeyPair.generate()
    }

    static var validatorsJSON: String {
        (0..<3).map { index in
            #"{"name": "node\#(index)", "pub_key": "\#(key(UInt8(index + 1)).publicKey.hex)", "stake": 10000000}"#
        }.joined(separator: ",\n    ")
    }

    /// A minimal valid genesis: only the required fields and one account.
    static var minimal: String {
        """
        {
          "chain_id": "ratify-test",
          "genesis_time": "2026-01-01T00:00:00Z",
          "validators": [
            \(validatorsJSON)
          ],
          "accounts": [{"address": "\(key(1).publicKey.address.hex)", "balance": "18000000000000000000"}]
        }
        """
    }

    static func decode(_ text: String) throws(FileFormatError) -> Genesis {
        try Genesis(json: Array(text.utf8), file: "genesis.json")
    }

    /// The one-line error decoding `text` produces, or "no error".
    static func error(_ text: String) -> String {
        do {
            _ = try decode(text)
            return "no error"
        } catch {
            return error.description
        }
    }
}
