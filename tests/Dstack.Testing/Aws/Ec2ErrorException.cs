using System.Net;

namespace Dstack.Testing.Aws;

/// <summary>An EC2 API error, answered as EC2 does: its code, message and HTTP status in an error document.</summary>
public sealed class Ec2ErrorException(string code, string message, HttpStatusCode status = HttpStatusCode.BadRequest) : Exception(message)
{
    public string Code { get; } = code;

    public HttpStatusCode Status { get; } = status;
}
