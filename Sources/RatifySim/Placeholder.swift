public enum RatifySimPlaceholder {}
