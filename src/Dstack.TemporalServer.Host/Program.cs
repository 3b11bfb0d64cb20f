using Dstack.TemporalServer.Hosting;

return await ServerCommandLine.Create().Parse(args).InvokeAsync().ConfigureAwait(false);
