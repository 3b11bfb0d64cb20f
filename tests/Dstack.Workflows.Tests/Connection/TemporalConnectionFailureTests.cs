using Dstack.Core.Settings;
using Dstack.Workflows.Connection;

namespace Dstack.Workflows.Tests.Connection;

/// <summary>How a server hanging up on a TLS client reads, whichever way the hang-up reached the client.</summary>
public sealed class TemporalConnectionFailureTests
{
    [Theory]
    [InlineData("Connection failed: Server connection error: tonic::transport::Error(Transport, hyper::Error(Io, Kind(UnexpectedEof)))")]
    [InlineData("Connection failed: Server connection error: tonic::transport::Error(Transport, Custom { kind: UnexpectedEof, error: \"peer closed connection without sending TLS close_notify\" })")]
    [InlineData("Connection failed: Server connection error: tonic::transport::Error(Transport, Os { code: 32, kind: BrokenPipe, message: \"Broken pipe\" })")]
    [InlineData("Connection failed: Server connection error: tonic::transport::Error(Transport, Os { code: 104, kind: ConnectionReset, message: \"Connection reset by peer\" })")]
    [InlineData("`get_system_info` call error after connection: Status { code: Cancelled, message: \"operation was canceled\", source: Some(tonic::transport::Error(Transport, hyper::Error(Canceled, \"connection closed\"))) }")]
    public void ServerHangsUpOnATlsClientWithoutCertificate_SaysItWantsOne(string error)
    {
        var settings = new TemporalSettings("127.0.0.1:7233") { Tls = new TemporalTlsSettings() };

        var message = TemporalConnectionFailure.Describe(new InvalidOperationException(error), settings);

        Assert.Equal(
            "the Temporal server at 127.0.0.1:7233 wants a client certificate (mutual TLS; it closed the TLS connection); set temporal.tls.client_cert "
            + "and temporal.tls.client_key (or DSTACK_TEMPORAL_TLS_CLIENT_CERT and DSTACK_TEMPORAL_TLS_CLIENT_KEY).",
            message);
    }
}
