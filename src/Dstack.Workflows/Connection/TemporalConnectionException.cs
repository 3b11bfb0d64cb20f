using Dstack.Core;

namespace Dstack.Workflows.Connection;

/// <summary>
/// Connecting to Temporal failed for a reason the user can fix (a refused API key or certificate, TLS on one side only),
/// with a one-line message that names the setting to check (<see cref="TemporalConnectionFailure"/>).
/// </summary>
public sealed class TemporalConnectionException : DstackException
{
    /// <summary>Creates the exception with the message for the user and the SDK's error.</summary>
    public TemporalConnectionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
