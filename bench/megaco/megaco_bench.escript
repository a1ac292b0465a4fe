#!/usr/bin/env escript
%% Decodes H.248 text messages with Erlang/OTP's megaco pretty-text decoder
%% and prints one line per message and scanner in Go's benchmark format, so
%% that benchstat can set them beside codec/h248's benchmarks:
%%
%%   BenchmarkMegaco/<file>/<scanner>  <iterations>  <ns> ns/op
%%
%% Usage: megaco_bench.escript ITERATIONS ROUNDS FILE...
%% Each round decodes every message ITERATIONS times with each scanner: the
%% Erlang scanner (megaco_text_scanner) and the flex scanner (a C driver,
%% the configuration the megaco documentation publishes figures for).
main([Iters, Rounds | Files]) when Files =/= [] ->
    N = list_to_integer(Iters),
    Scanners = scanners(),
    [round(N, Scanners, Files) || _ <- lists:seq(1, list_to_integer(Rounds))],
    ok;
main(_) ->
    io:format(standard_error, "usage: megaco_bench.escript ITERATIONS ROUNDS FILE...~n", []),
    halt(2).

scanners() ->
    Erlang = {"erlang", []},
    case catch megaco_flex_scanner:start() of
        {ok, Port} -> [Erlang, {"flex", [{flex, Port}]}];
        _ -> [Erlang]
    end.

round(N, Scanners, Files) ->
    [bench(N, Name, Config, File) || File <- Files, {Name, Config} <- Scanners].

bench(N, Name, Config, File) ->
    {ok, Bin} = file:read_file(File),
    {ok, _} = megaco_pretty_text_encoder:decode_message(Config, Bin),
    loop(1000, Config, Bin), % warm up
    {Micros, ok} = timer:tc(fun() -> loop(N, Config, Bin) end),
    io:format("BenchmarkMegaco/~s/~s \t~b\t~.1f ns/op~n",
              [filename:rootname(filename:basename(File)), Name, N, Micros * 1000 / N]).

loop(0, _, _) -> ok;
loop(K, Config, Bin) ->
    {ok, _} = megaco_pretty_text_encoder:decode_message(Config, Bin),
    loop(K - 1, Config, Bin).
