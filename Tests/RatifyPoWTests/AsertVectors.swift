/// Bitcoin Cash's published aserti3-2d test vectors (the `run01`…`run12` files linked from the
/// specification, `spec/2020-11-15-asert.md`; mirrored by BCHN's qa-assets). Each run fixes an
/// anchor; each line is "height time expected-bits" for the block after the one at `height`
/// with timestamp `time`. Parameters for all runs: 600 s spacing, two-day half-life, limit
/// 0x1d00ffff. Runs 1–3, 9 and 10 are complete; from the longer runs a selection of lines is
/// kept (every line is independent of the others: ASERT looks only at the anchor).
enum AsertVectors {
    struct Run {
        var name: String
        var anchorHeight: UInt64
        var anchorParentTime: Int64
        var anchorBits: UInt32
        var lines: String
    }

    static let runs: [Run] = [
        Run(name: "run1 - steady 600s blocks at POW limit target", anchorHeight: 1, anchorParentTime: 0, anchorBits: 0x1d00ffff, lines: """
            2 1200 0x1d00ffff
            3 1800 0x1d00ffff
            4 2400 0x1d00ffff
            5 3000 0x1d00ffff
            6 3600 0x1d00ffff
            7 4200 0x1d00ffff
            8 4800 0x1d00ffff
            9 5400 0x1d00ffff
            10 6000 0x1d00ffff
            11 6600 0x1d00ffff
            """),
        Run(name: "run2 - steady 600s blocks at arbitrary non-limit target", anchorHeight: 1, anchorParentTime: 0, anchorBits: 0x1a2b3c4d, lines: """
            2 1200 0x1a2b3c4d
            3 1800 0x1a2b3c4d
            4 2400 0x1a2b3c4d
            5 3000 0x1a2b3c4d
            6 3600 0x1a2b3c4d
            7 4200 0x1a2b3c4d
            8 4800 0x1a2b3c4d
            9 5400 0x1a2b3c4d
            10 6000 0x1a2b3c4d
            11 6600 0x1a2b3c4d
            """),
        Run(name: "run3 - steady 600s blocks at minimum limit target", anchorHeight: 1, anchorParentTime: 0, anchorBits: 0x01010000, lines: """
            2 1200 0x01010000
            3 1800 0x01010000
            4 2400 0x01010000
            5 3000 0x01010000
            6 3600 0x01010000
            7 4200 0x01010000
            8 4800 0x01010000
            9 5400 0x01010000
            10 6000 0x01010000
            11 6600 0x01010000
            """),
        Run(name: "run4 - from minimum target, halflife schedule jumps doubling the target", anchorHeight: 1, anchorParentTime: 0, anchorBits: 0x01010000, lines: """
            2 174000 0x01020000
            3 347400 0x01040000
            4 520800 0x01080000
            5 694200 0x01100000
            6 867600 0x01200000
            7 1041000 0x01400000
            8 1214400 0x02008000
            9 1387800 0x02010000
            15 2428200 0x02400000
            16 2601600 0x03008000
            23 3815400 0x03400000
            24 3988800 0x04008000
            100 17167200 0x0d080000
            101 17340600 0x0d100000
            199 34333800 0x19400000
            200 34507200 0x1a008000
            222 38322000 0x1c200000
            223 38495400 0x1c400000
            224 38668800 0x1d008000
            225 38842200 0x1d00ffff
            226 39015600 0x1d00ffff
            """),
        Run(name: "run5 - from limit, halflife height jumps without time, halving the target", anchorHeight: 1, anchorParentTime: 0, anchorBits: 0x1d00ffff, lines: """
            2 0 0x1d00fec5
            290 0 0x1c7f62c0
            578 0 0x1c3fb160
            866 0 0x1c1fd8b0
            2306 0 0x1c00fec5
            2594 0 0x1b7f62c0
            30242 0 0x0f7f62c0
            59906 0 0x0300fec5
            60194 0 0x027f6200
            60482 0 0x023fb100
            62210 0 0x0200fe00
            62498 0 0x017f0000
            62786 0 0x013f0000
            63650 0 0x01070000
            63938 0 0x01030000
            64226 0 0x01010000
            64514 0 0x01010000
            """),
        Run(name: "run6 - random solvetimes, stable hashrate, recent real nBits", anchorHeight: 1, anchorParentTime: 0, anchorBits: 0x1802aee8, lines: """
            2 1200 0x1802aee8
            3 1310 0x1802ad91
            4 1327 0x1802abf8
            5 1739 0x1802ab73
            6 2219 0x1802ab20
            7 2604 0x1802aa89
            8 2746 0x1802a94b
            9 7099 0x1802b39c
            10 7099 0x1802b1f2
            11 7657 0x1802b1d4
            12 8626 0x1802b2db
            21 15443 0x1802b6cf
            22 18902 0x1802bed6
            99 61973 0x1802b60b
            100 63111 0x1802b78d
            256 162908 0x1802c919
            500 299790 0x1802ae55
            501 300620 0x1802aef5
            552 338121 0x1802c249
            620 378438 0x1802c0ec
            """),
        Run(name: "run7 - random solvetimes, up-ramping hashrate", anchorHeight: 1, anchorParentTime: 0, anchorBits: 0x1802aee8, lines: """
            12 8141 0x1802b181
            13 8236 0x1802b01c
            50 16870 0x18028bbb
            100 20363 0x180249fb
            158 22659 0x18020248
            159 22691 0x1802011d
            160 22709 0x1801ffea
            300 26847 0x180173a8
            457 29025 0x180100e6
            458 29033 0x1801004a
            459 29064 0x1800ffb4
            499 29534 0x1800e8aa
            500 29547 0x1800e81f
            637 31014 0x1800a7ee
            """),
        Run(name: "run8 - random solvetimes, down-ramping hashrate", anchorHeight: 1, anchorParentTime: 0, anchorBits: 0x1802aee8, lines: """
            12 9595 0x1802b58d
            22 33606 0x1802e994
            31 46761 0x1803011f
            126 498904 0x180ea828
            186 1073114 0x187ef4ed
            187 1078358 0x19008158
            281 2529858 0x1a00881c
            352 3950808 0x1b0085ea
            426 5430357 0x1c00a57c
            481 6842136 0x1d00a31a
            484 6930238 0x1d00e688
            485 6993399 0x1d00ffff
            501 7462933 0x1d00ffff
            """),
        Run(name: "run9 - 300s blocks across signed 32-bit max height", anchorHeight: 2147483642, anchorParentTime: 1234567290, anchorBits: 0x1802aee8, lines: """
            2147483643 1234568190 0x1802ae16
            2147483644 1234568490 0x1802ad44
            2147483645 1234568790 0x1802ac71
            2147483646 1234569090 0x1802ab9e
            2147483647 1234569390 0x1802aacd
            2147483648 1234569690 0x1802a9fa
            2147483649 1234569990 0x1802a929
            2147483650 1234570290 0x1802a858
            2147483651 1234570590 0x1802a787
            2147483652 1234570890 0x1802a6b7
            """),
        Run(name: "run10 - 900s blocks across signed 64-bit max height and 32-bit max time", anchorHeight: 9223372036854775802, anchorParentTime: 2147483047, anchorBits: 0x1802aee8, lines: """
            9223372036854775803 2147484547 0x1802afbb
            9223372036854775804 2147485447 0x1802b08f
            9223372036854775805 2147486347 0x1802b166
            9223372036854775806 2147487247 0x1802b23a
            9223372036854775807 2147488147 0x1802b30e
            9223372036854775808 2147489047 0x1802b3e5
            9223372036854775809 2147489947 0x1802b4bb
            9223372036854775810 2147490847 0x1802b592
            9223372036854775811 2147491747 0x1802b669
            9223372036854775812 2147492647 0x1802b73d
            """),
    ]
}
