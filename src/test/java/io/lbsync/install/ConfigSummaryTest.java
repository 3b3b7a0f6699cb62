package io.lbsync.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConfigSummaryTest {
    private static ConfigSummary of(String target, String text) {
        return ConfigSummary.of(io.lbsync.config.TargetKind.valueOf(target.toUpperCase(java.util.Locale.ROOT)),
                text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void haproxyCountsBackendAndListenSectionsAndTheirServers() {
        ConfigSummary s = of("haproxy", """
                global
                    maxconn 4096
                # backend commented-out
                frontend http
                    bind 127.0.0.1:8080
                    default_backend lbsync_no_route
                backend web
                    balance roundrobin
                    server web-1 10.0.0.1:80
                    server web-2 10.0.0.2:80 disabled
                    # server web-3 10.0.0.3:80
                backend api
                    server-template s 10 _api._tcp.service.consul resolvers consul
                listen stats
                    server local 127.0.0.1:9000
                backend lbsync_no_route
                    http-request return status 404 content-type text/plain string "no service # here"
                """);
        assertThat(s.backends()).isEqualTo(4);
        assertThat(s.servers()).as("enabled server lines; not server-template, disabled or commented").isEqualTo(2);
    }

    @Test
    void nginxCountsUpstreamsAndTheirUsableServersNotSiteServerBlocks() {
        ConfigSummary s = of("nginx", """
                events { worker_connections 1024; }
                http {
                    # upstream commented { server 1.2.3.4:80; }
                    upstream web {
                        server 10.0.0.1:80;
                        server 10.0.0.2:80 weight=2;
                        # server web-3: db.example is a DNS name
                    }
                    upstream empty {
                        server 127.0.0.9:9 down;
                    }
                    server {
                        listen 127.0.0.1:8080;
                        server_name shop.example.com;
                        location / { proxy_pass http://web; }
                    }
                }
                """);
        assertThat(s.backends()).isEqualTo(2);
        assertThat(s.servers()).isEqualTo(2);
    }

    @Test
    void sha256IsWhatSha256sumPrints() {
        ConfigSummary s = of("haproxy", "abc");
        assertThat(s.sha256()).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(s.bytes()).isEqualTo(3);
        assertThat(of("haproxy", "").backends()).isZero();
    }
}
