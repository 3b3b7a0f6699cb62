package io.lbsync.render;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SafeValuesTest {
    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "::1", "fe80::1", "2001:db8::8a2e:370:7334", "web-1.internal", "localhost"})
    void acceptsAddresses(String address) {
        assertThat(SafeValues.address(address)).contains(address);
    }

    /** nginx 1.22 refuses "1:2:3:4:5:6:7::" (found by HostileInputFuzzIT): IPv6 is written in RFC 5952 form. */
    @ParameterizedTest
    @CsvSource({"1:2:3:4:5:6:7::, 1:2:3:4:5:6:7:0", "::2:3:4:5:6:7:8, 0:2:3:4:5:6:7:8", "2001:DB8:0:0:0:0:0:1, 2001:db8::1",
        "0:0:0:0:0:0:0:0, ::", "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1", "2001:0db8:0000:0001:0:0:0:0, 2001:db8:0:1::",
        "::10.0.0.1, ::a00:1", "fe80:0:0:0:0:0:0:1, fe80::1"})
    void ipv6IsCanonical(String raw, String canonical) {
        assertThat(SafeValues.address(raw)).contains(canonical);
        assertThat(SafeValues.isIpv6(raw)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10.0.0.1 backup", "10.0.0.1\nserver evil 6.6.6.6:80", "a;b", "999.1.1.1", "10.0.0.1:80", "-bad.com",
        "x#y", "{a}", "\"q\"", "a..b", ":::::::::::::zz"})
    void rejectsAnythingElse(String address) {
        assertThat(SafeValues.address(address)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"web\nbackend evil", "a b", "x#y;z{}", "ünïcode"})
    void identifiersNeverCarrySyntax(String raw) {
        assertThat(SafeValues.identifier(raw)).matches("[A-Za-z0-9_.-]+");
    }

    @ParameterizedTest
    @ValueSource(strings = {"shop.example.com", "*.example.com", "Shop.Example.COM"})
    void acceptsHostNames(String host) {
        assertThat(SafeValues.hostName(host)).contains(host.toLowerCase());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "x.com\nuse_backend evil", "*", "a*.com", "x.com#", "\u212aey.example", "b\u00fccher.example"})
    void rejectsOtherHostNames(String host) {
        assertThat(SafeValues.hostName(host)).isEmpty();
    }
}
