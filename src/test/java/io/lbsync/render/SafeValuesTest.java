package io.lbsync.render;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SafeValuesTest {
    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "::1", "fe80::1", "2001:db8::8a2e:370:7334", "web-1.internal", "localhost"})
    void acceptsAddresses(String address) {
        assertThat(SafeValues.address(address)).contains(address);
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
    @ValueSource(strings = {"a b", "x.com\nuse_backend evil", "*", "a*.com", "x.com#"})
    void rejectsOtherHostNames(String host) {
        assertThat(SafeValues.hostName(host)).isEmpty();
    }
}
