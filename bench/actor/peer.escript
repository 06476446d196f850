#!/usr/bin/env escript
%% The actor benchmark's workload on Erlang/OTP: sequential gen_server calls, casts processed,
%% gen_server starts and memory per idle process. Prints one JSON line of figures.
-mode(compile).
-behaviour(gen_server).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

init(N) -> {ok, N}.
handle_call(get, _From, N) -> {reply, N, N};
handle_call({inc, B}, _From, N) -> {reply, N + B, N + B}.
handle_cast({inc, B}, N) -> {noreply, N + B}.
handle_info(_, N) -> {noreply, N}.

main([CallsS, CastsS, SpawnsS, IdleS]) ->
    Calls = list_to_integer(CallsS), Casts = list_to_integer(CastsS),
    Spawns = list_to_integer(SpawnsS), Idle = list_to_integer(IdleS),
    {ok, P} = gen_server:start(?MODULE, 0, []),
    _ = [gen_server:call(P, {inc, 1}) || _ <- lists:seq(1, 20000)],
    Lat = [begin T0 = erlang:monotonic_time(nanosecond), gen_server:call(P, {inc, 1}),
                 erlang:monotonic_time(nanosecond) - T0 end || _ <- lists:seq(1, Calls)],
    S = lists:sort(Lat),
    P50 = lists:nth(max(1, Calls div 2), S), P99 = lists:nth(max(1, (Calls * 99) div 100), S),
    T1 = erlang:monotonic_time(nanosecond),
    _ = [gen_server:call(P, {inc, 1}) || _ <- lists:seq(1, Calls)],
    CallRate = Calls / ((erlang:monotonic_time(nanosecond) - T1) / 1.0e9),
    T2 = erlang:monotonic_time(nanosecond),
    _ = [gen_server:cast(P, {inc, 1}) || _ <- lists:seq(1, Casts)],
    _ = gen_server:call(P, get, infinity),
    CastRate = Casts / ((erlang:monotonic_time(nanosecond) - T2) / 1.0e9),
    T3 = erlang:monotonic_time(nanosecond),
    Ps = [begin {ok, X} = gen_server:start(?MODULE, 0, []), X end || _ <- lists:seq(1, Spawns)],
    SpawnRate = Spawns / ((erlang:monotonic_time(nanosecond) - T3) / 1.0e9),
    [exit(X, kill) || X <- Ps],
    timer:sleep(200),
    erlang:garbage_collect(),
    M0 = erlang:memory(total),
    Idles = [begin {ok, X} = gen_server:start(?MODULE, 0, []), X end || _ <- lists:seq(1, Idle)],
    erlang:garbage_collect(),
    M1 = erlang:memory(total),
    PerProc = (M1 - M0) / length(Idles),
    io:format("{\"callP50Us\":~.3f,\"callP99Us\":~.3f,\"callsPerSec\":~.1f,\"castsPerSec\":~.1f,\"spawnsPerSec\":~.1f,\"bytesPerIdle\":~.1f}~n",
              [P50 / 1000, P99 / 1000, CallRate, CastRate, SpawnRate, PerProc]).
