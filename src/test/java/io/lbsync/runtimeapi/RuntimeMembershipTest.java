package io.lbsync.runtimeapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuntimeMembershipTest {
    private static final String HEAD = """
            global
                maxconn 4096
            frontend http
                bind 127.0.0.1:8080
                default_backend web
            # service web: 2 of 2 instances passing
            backend web
                balance roundrobin
            """;
    private static final String STATE_HEADER = "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight "
            + "srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state "
            + "srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port "
            + "srv_check_addr srv_agent_addr srv_agent_port\n";

    private static String row(String name, String addr, int port, int admin) {
        return "2 web 1 " + name + " " + addr + " 2 " + admin + " 1 1 1 1 0 2 0 0 0 0 - " + port + " - 0 0 - - 0\n";
    }

    @Test
    void sessionsAreCurrentPlusQueuedPerServerFromShowStat() {
        String csv = """
                # pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,addr
                web,web-1,0,0,2,3,,10,0,0,127.0.0.1:8001
                web,web-2,1,1,0,1,,4,0,0,127.0.0.1:8002
                web,BACKEND,1,1,2,3,,14,0,0,
                """;
        assertThat(RuntimeMembership.parseSessions(csv)).containsExactly(java.util.Map.entry("web/web-1", 2),
                java.util.Map.entry("web/web-2", 1));
    }

    @Test
    void onlyServerLinesAndCommentsChangedIsMembership() {
        HaproxyServerLines a = HaproxyServerLines.parse(HEAD + "    server a 10.0.0.1:80\n");
        HaproxyServerLines b = HaproxyServerLines.parse(HEAD.replace("2 of 2", "3 of 3") + "    server a 10.0.0.2:81\n    server b 10.0.0.3:80\n");
        assertThat(RuntimeMembership.structuralChange(a, b)).isEmpty();
        assertThat(b.servers("web").get("a").address()).contains("10.0.0.2");
        assertThat(b.servers("web").get("a").port()).isEqualTo(81);
    }

    @Test
    void structuralChangesNeedAReload() {
        HaproxyServerLines a = HaproxyServerLines.parse(HEAD + "    server a 10.0.0.1:80\n");
        assertThat(RuntimeMembership.structuralChange(a, HaproxyServerLines.parse(HEAD.replace("8080", "8081") + "    server a 10.0.0.1:80\n"))).isPresent();
        assertThat(RuntimeMembership.structuralChange(a, HaproxyServerLines.parse(HEAD + "    server a 10.0.0.1:80 check\n"))).isPresent();
        assertThat(RuntimeMembership.structuralChange(a, HaproxyServerLines.parse(HEAD + "    server a db.example:80\n"))).isPresent();
        assertThat(RuntimeMembership.structuralChange(a, HaproxyServerLines.parse(HEAD + "    server a 10.0.0.1:80\nbackend other\n"))).isPresent();
    }

    @Test
    void commandsBringTheWorkerToTheNewServersAndAreVerified() {
        List<String> sent = new ArrayList<>();
        String[] state = {STATE_HEADER + row("a", "10.0.0.1", 80, 0) + row("gone", "10.0.0.9", 80, 0)};
        RuntimeMembership rt = new RuntimeMembership(command -> {
            sent.add(command);
            if (command.startsWith("show servers state")) {
                String s = state[0];
                // after the commands, the worker shows the new membership
                state[0] = STATE_HEADER + row("a", "10.0.0.2", 81, 0) + row("b", "10.0.0.3", 80, 0);
                return s;
            }
            return command.startsWith("add server") ? "New server registered.\n" : command.startsWith("del server") ? "Server deleted.\n" : "\n";
        }, Duration.ofMillis(100));
        RuntimeApi.Outcome outcome = rt.apply(HEAD + "    server a 10.0.0.1:80\n    server gone 10.0.0.9:80\n",
                HEAD + "    server a 10.0.0.2:81\n    server b 10.0.0.3:80\n");
        assertThat(outcome.result()).isEqualTo(RuntimeApi.Result.APPLIED);
        assertThat(sent).containsExactly("show servers state", "set server web/a addr 10.0.0.2 port 81",
                "add server web/b 10.0.0.3:80", "enable server web/b", "set server web/gone state maint", "del server web/gone",
                "show servers state");
    }

    @Test
    void aChangeTheWorkerDoesNotShowFails() {
        String state = STATE_HEADER + row("a", "10.0.0.1", 80, 0);
        RuntimeMembership rt = new RuntimeMembership(command -> command.startsWith("show") ? state : "\n", Duration.ofMillis(10));
        assertThat(rt.apply(HEAD + "    server a 10.0.0.1:80\n", HEAD + "    server a 10.0.0.2:80\n").result())
                .isEqualTo(RuntimeApi.Result.FAILED);
    }
}
