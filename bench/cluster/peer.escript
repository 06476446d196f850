#!/usr/bin/env escript
%% The cluster benchmark's workload on Erlang distribution over loopback: a second node hosts a
%% registered echo process; sequential calls, 16 concurrent callers, casts of 100-byte payloads,
%% and the time to see nodedown after kill -9 of the other node. Prints one JSON line.
-mode(compile).

call(Dest, Msg) -> call(Dest, Msg, 5000).

call(Dest, Msg, Timeout) ->
    Ref = make_ref(), Dest ! {call, self(), Ref, Msg},
    receive {Ref, R} -> R after Timeout -> exit(timeout) end.

main([CallsS, CastsS]) ->
    Calls = list_to_integer(CallsS), Casts = list_to_integer(CastsS),
    os:cmd("epmd -daemon"),
    {ok, _} = net_kernel:start(['benchclient@127.0.0.1', longnames]),
    erlang:set_cookie(node(), bench),
    Erl = os:find_executable("erl"),
    Eval = "register(echo, spawn(fun Loop() -> receive {call, F, R, count} -> F ! {R, 0}, Loop(); {call, F, R, M} -> F ! {R, M}, Loop(); {cast, _} -> Loop() end end)), receive after infinity -> ok end.",
    Port = open_port({spawn_executable, Erl}, [{args, ["-noshell", "-name", "benchserver@127.0.0.1", "-setcookie", "bench", "-eval", Eval]}]),
    {os_pid, OsPid} = erlang:port_info(Port, os_pid),
    try run(Calls, Casts, OsPid)
    catch Class:Reason:Stack ->
        %% Never leave the server node behind: a stale one holds the name for the next run.
        os:cmd("kill -9 " ++ integer_to_list(OsPid)),
        erlang:raise(Class, Reason, Stack)
    end.

run(Calls, Casts, OsPid) ->
    Server = 'benchserver@127.0.0.1',
    wait_up(Server, 100),
    Dest = {echo, Server},
    _ = [call(Dest, ping) || _ <- lists:seq(1, 5000)],
    Lat = [begin T0 = erlang:monotonic_time(nanosecond), call(Dest, ping), erlang:monotonic_time(nanosecond) - T0 end || _ <- lists:seq(1, Calls)],
    S = lists:sort(Lat),
    P50 = lists:nth(max(1, Calls div 2), S), P99 = lists:nth(max(1, (Calls * 99) div 100), S),
    T1 = erlang:monotonic_time(nanosecond),
    _ = [call(Dest, ping) || _ <- lists:seq(1, Calls)],
    Seq = Calls / ((erlang:monotonic_time(nanosecond) - T1) / 1.0e9),
    Self = self(), Per = Calls div 16,
    T2 = erlang:monotonic_time(nanosecond),
    [spawn(fun() -> [call(Dest, ping) || _ <- lists:seq(1, Per)], Self ! done end) || _ <- lists:seq(1, 16)],
    [receive done -> ok end || _ <- lists:seq(1, 16)],
    Conc = (Per * 16) / ((erlang:monotonic_time(nanosecond) - T2) / 1.0e9),
    Payload = binary:copy(<<"x">>, 100),
    T3 = erlang:monotonic_time(nanosecond),
    [Dest ! {cast, Payload} || _ <- lists:seq(1, Casts)],
    _ = call(Dest, count, 60000),
    CastRate = Casts / ((erlang:monotonic_time(nanosecond) - T3) / 1.0e9),
    net_kernel:monitor_nodes(true),
    %% The kill comes from a shell started beforehand and blocked on reading its input; `kill` is a
    %% builtin of sh, so it runs as soon as the line arrives. Half the round trip of the same hop
    %% (a shell that echoes the line back) is subtracted, so the figure is from the kill to
    %% nodedown, as ours is.
    HopNs = lists:nth(3, lists:sort([hop_ns() || _ <- lists:seq(1, 5)])) div 2,
    Killer = open_port({spawn, "sh -c 'read _; kill -9 " ++ integer_to_list(OsPid) ++ "'"}, [binary]),
    timer:sleep(50),
    T4 = erlang:monotonic_time(nanosecond),
    port_command(Killer, <<"go\n">>),
    receive {nodedown, Server} -> ok after 10000 -> ok end,
    Down = (erlang:monotonic_time(nanosecond) - T4 - HopNs) / 1.0e6,
    io:format("{\"callP50Us\":~.3f,\"callP99Us\":~.3f,\"callsPerSec\":~.1f,\"calls16PerSec\":~.1f,\"castsPerSec\":~.1f,\"killDetectMs\":~.3f,\"killHopUs\":~.1f}~n",
              [P50 / 1000, P99 / 1000, Seq, Conc, CastRate, Down, HopNs / 1000]).

%% Until the server node answers and has registered `echo`: the node answers pings as soon as its
%% distribution is up, which can be before its -eval has run; a message sent to a name not yet
%% registered is dropped.
wait_up(_, 0) -> exit(no_server);
wait_up(Node, N) ->
    Up = net_adm:ping(Node) =:= pong andalso is_pid(rpc:call(Node, erlang, whereis, [echo])),
    case Up of true -> ok; false -> timer:sleep(100), wait_up(Node, N - 1) end.

%% The round trip of one line through a waiting shell: write it, and read it back.
hop_ns() ->
    Port = open_port({spawn, "sh -c 'read x; echo $x'"}, [binary]),
    timer:sleep(50),
    T = erlang:monotonic_time(nanosecond),
    port_command(Port, <<"x\n">>),
    receive {Port, {data, _}} -> ok after 5000 -> exit(no_echo) end,
    Ns = erlang:monotonic_time(nanosecond) - T,
    catch port_close(Port),
    Ns.
