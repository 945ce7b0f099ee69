import RatifyClient
import RatifyCore

/// The last step before a `ratify tx` command broadcasts, unless `--yes`: what will be sent
/// goes to stderr (stdout stays the command's output), then the question. With `--yes` nothing
/// is written, so a script's stderr holds only a failure's one line.
enum BroadcastConfirmation {
    static func confirm(_ transaction: Transaction, keyName: String?, node: String, yes: Bool) throws {
        guard !yes else { return }
        StandardError.write(TransactionSummary.text(transaction, keyName: keyName, node: node))
        switch Terminal.confirm("broadcast?") {
        // A script or a pipe cannot answer: refuse rather than broadcast unasked.
        case nil: throw StandardError.fail("standard input is not a terminal: pass --yes to broadcast without confirmation; nothing was sent")
        case false?: throw StandardError.fail("not confirmed; nothing was sent")
        case true?: return
        }
    }

    /// Prints a dry run's verdict; a payload that would fail in a block exits with status 1,
    /// so `ratify tx ... --dry-run && ratify tx ... --yes` sends only what would succeed.
    static func report(_ outcome: DryRunOutcome, json: Bool) throws {
        print(json ? JSONWriter.pretty(outcome.json) : outcome.text)
        if !outcome.wouldSucceed { throw StandardError.fail("dry run: the payload would fail in a block with code \(outcome.code): \(outcome.log)") }
    }

    /// A dry run's failure: a refusal by the node is named as one, so it is not mistaken for a
    /// failed submission.
    static func dryRunFailure(_ error: ClientError) -> Error {
        guard case .rejected = error else { return StandardError.fail(error) }
        return StandardError.fail("dry run: the node would refuse this transaction (nothing was sent): \(error)")
    }
}
