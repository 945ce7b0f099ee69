/// Plain-text tables for the CLI's human-readable output: columns left-aligned and padded to
/// their widest cell, two spaces apart, an upper-case header row; no trailing spaces.
public enum TextTable {
    public static func render(headers: [String], rows: [[String]]) -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (column, cell) in row.enumerated() where column < widths.count {
                widths[column] = max(widths[column], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (column, cell) in cells.enumerated() where column < widths.count {
                let isLast = column == widths.count - 1 || column == cells.count - 1
                text += isLast ? cell : cell.paddedRight(to: widths[column] + 2)
            }
            return text
        }
        return ([line(headers.map { $0.uppercased() })] + rows.map(line)).joined(separator: "\n")
    }

    /// `key: value` lines with the values aligned.
    public static func keyValue(_ rows: [(String, String)]) -> String {
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { ($0.0 + ":").paddedRight(to: width + 2) + $0.1 }.joined(separator: "\n")
    }
}

extension String {
    /// Pads with spaces on the right to `length` characters (never truncates).
    func paddedRight(to length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
