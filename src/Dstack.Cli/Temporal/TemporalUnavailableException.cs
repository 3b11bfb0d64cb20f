using Dstack.Core;

namespace Dstack.Cli.Temporal;

/// <summary>Nothing answers at the configured Temporal address.</summary>
internal sealed class TemporalUnavailableException(string message) : DstackException(message);
