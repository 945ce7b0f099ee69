public enum RatifyVersion {
    public static let current = "0.1.0"
}
