/**
 * Test support shared by netproto's test suites, used in test scope only. {@link
 * dev.netproto.testkit.RequiresProgram} marks a test that drives a real external program (a peer such as socat or
 * openssl) and decides what happens where that program is missing.
 */
module dev.netproto.testkit {
    requires transitive org.junit.jupiter.api;

    exports dev.netproto.testkit;
}
