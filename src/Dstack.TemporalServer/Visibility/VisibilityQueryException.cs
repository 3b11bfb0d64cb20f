namespace Dstack.TemporalServer.Visibility;

internal sealed class VisibilityQueryException(string message) : Exception(message);
