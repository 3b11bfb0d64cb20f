using Dstack.TemporalServer.Engine;
using Dstack.TemporalServer.Grpc;
using Dstack.TemporalServer.HttpApi;
using Dstack.TemporalServer.Persistence;
using Dstack.TemporalServer.Security;
using Dstack.TemporalServer.Services;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dstack.TemporalServer.Hosting;

/// <summary>Hosts the embedded Temporal server in any ASP.NET Core application.</summary>
public static class TemporalServerExtensions
{
    private const string WorkflowServiceName = "temporal.api.workflowservice.v1.WorkflowService";

    /// <summary>Registers the server's state and its gRPC services.</summary>
    public static IServiceCollection AddDstackTemporalServer(this IServiceCollection services, Action<TemporalServerOptions>? configure = null)
    {
        services.AddOptions<TemporalServerOptions>().Configure(o => configure?.Invoke(o));
        services.TryAddSingleton(provider => provider.GetRequiredService<IOptions<TemporalServerOptions>>().Value.TimeProvider ?? TimeProvider.System);
        services.AddSingleton<IServerStore>(provider =>
        {
            var path = provider.GetRequiredService<IOptions<TemporalServerOptions>>().Value.DatabasePath;
            return string.IsNullOrEmpty(path)
                ? new InMemoryServerStore()
                : SqliteServerStore.Open(path, provider.GetRequiredService<ILoggerFactory>().CreateLogger<SqliteServerStore>());
        });
        services.AddSingleton<TemporalEngine>();
        services.AddSingleton<WorkflowServiceEndpoint>();
        services.AddSingleton<OperatorServiceEndpoint>();
        services.AddSingleton<ApiKeyVerifier>();
        services.AddSingleton<UiSessionStore>();
        services.AddSingleton<HttpAuthenticator>();
        services.AddSingleton<ApiKeyInterceptor>();
        services.AddGrpc(o =>
        {
            // Every service, so that one added later is not open by mistake; the interceptor lets health checks through.
            o.Interceptors.Add<ApiKeyInterceptor>();

            // The SDK accepts up to 128 MiB; history pages and payload batches can be large.
            o.MaxReceiveMessageSize = 128 * 1024 * 1024;
            o.MaxSendMessageSize = 128 * 1024 * 1024;
            o.EnableDetailedErrors = false;
        });
        services.AddSingleton<IServiceMethodProvider<WorkflowServiceEndpoint>>(
            new DescriptorServiceMethodProvider<WorkflowServiceEndpoint>(Temporalio.Api.WorkflowService.V1.ServiceReflection.Descriptor.Services[0]));
        services.AddSingleton<IServiceMethodProvider<OperatorServiceEndpoint>>(
            new DescriptorServiceMethodProvider<OperatorServiceEndpoint>(Temporalio.Api.OperatorService.V1.ServiceReflection.Descriptor.Services[0]));
        services.AddSingleton(provider => new HttpApiRouteTable(
        [
            (Temporalio.Api.WorkflowService.V1.ServiceReflection.Descriptor.Services[0], provider.GetRequiredService<WorkflowServiceEndpoint>()),
            (Temporalio.Api.OperatorService.V1.ServiceReflection.Descriptor.Services[0], provider.GetRequiredService<OperatorServiceEndpoint>()),
        ]));
        services.AddSingleton<HttpApiHandler>();

        // grpc.health.v1.Health, which real Temporal's frontend serves for load balancers and the SDKs' CheckHealth. A
        // service reports SERVING only when a check says so, and the server is up once this host answers calls.
        services.AddGrpcHealthChecks(o => o.Services.Map(WorkflowServiceName, _ => true))
            .AddCheck("frontend", () => HealthCheckResult.Healthy());
        return services;
    }

    /// <summary>Maps the WorkflowService and OperatorService endpoints.</summary>
    public static IEndpointRouteBuilder MapDstackTemporalServer(this IEndpointRouteBuilder endpoints)
    {
        // A malformed API key fails the start instead of every call.
        endpoints.ServiceProvider.GetRequiredService<ApiKeyVerifier>();

        // Open the database and restore now, so a bad file fails the start instead of the first call.
        endpoints.ServiceProvider.GetRequiredService<TemporalEngine>();

        // The endpoint starts the schedules' workflows; created now, restored schedules act without waiting for a first call.
        endpoints.ServiceProvider.GetRequiredService<WorkflowServiceEndpoint>();
        endpoints.MapGrpcService<WorkflowServiceEndpoint>();
        endpoints.MapGrpcService<OperatorServiceEndpoint>();
        endpoints.MapGrpcHealthChecksService();
        return endpoints;
    }

    /// <summary>
    /// Answers Temporal's HTTP API (the grpc-gateway routes of the <c>google.api.http</c> rules, <c>/api/v1/...</c>
    /// included) with the same handlers as gRPC; requests that match no route go on to the next middleware. Serve it
    /// on an HTTP/1.1 listener only, e.g. inside <c>app.MapWhen(c =&gt; c.Connection.LocalPort == port, ...)</c>. With
    /// <see cref="TemporalServerOptions.ApiKey"/> set, every request needs the key as a bearer token, or a web UI session
    /// cookie (for reads only outside the web UI's listener, which alone checks writes against CSRF), and is answered 401
    /// otherwise.
    /// </summary>
    public static IApplicationBuilder UseTemporalHttpApi(this IApplicationBuilder app)
    {
        // Resolved now, so the route table is built at start rather than on the first request.
        var handler = app.ApplicationServices.GetRequiredService<HttpApiHandler>();
        var authenticator = app.ApplicationServices.GetRequiredService<HttpAuthenticator>();
        return app.Use(next => context => authenticator.Refusal(context) is { } refusal
            ? HttpAuthenticator.RefuseAsync(context, refusal)
            : handler.InvokeAsync(context, next));
    }
}
