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
    %% os:cmd starts a shell to run kill: its cost (the median of five runs of a command that
    %% does nothing) is subtracted, so the figure is from the kill to nodedown, as ours is.
    ShellNs = lists:nth(3, lists:sort([begin T = erlang:monotonic_time(nanosecond), os:cmd("kill -0 " ++ integer_to_list(OsPid)), erlang:monotonic_time(nanosecond) - T end || _ <- lists:seq(1, 5)])),
    T4 = erlang:monotonic_time(nanosecond),
    os:cmd("kill -9 " ++ integer_to_list(OsPid)),
    receive {nodedown, Server} -> ok after 10000 -> ok end,
    Down = (erlang:monotonic_time(nanosecond) - T4 - ShellNs) / 1.0e6,
    io:format("{\"callP50Us\":~.3f,\"callP99Us\":~.3f,\"callsPerSec\":~.1f,\"calls16PerSec\":~.1f,\"castsPerSec\":~.1f,\"killDetectMs\":~.3f}~n",
              [P50 / 1000, P99 / 1000, Seq, Conc, CastRate, Down]).

wait_up(_, 0) -> exit(no_server);
wait_up(Node, N) ->
    case net_adm:ping(Node) of pong -> ok; pang -> timer:sleep(100), wait_up(Node, N - 1) end.
