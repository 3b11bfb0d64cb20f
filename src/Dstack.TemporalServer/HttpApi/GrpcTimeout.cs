using System.Globalization;

namespace Dstack.TemporalServer.HttpApi;

/// <summary>The <c>Grpc-Timeout</c> header, which grpc-gateway turns into the call's deadline: digits and a unit (H, M, S, m, u, n).</summary>
internal static class GrpcTimeout
{
    /// <exception cref="FormatException">The value is not a gRPC timeout.</exception>
    public static TimeSpan Parse(string value)
    {
        if (value.Length < 2 || !long.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            throw new FormatException($"invalid grpc-timeout: {value}");
        }

        return value[^1] switch
        {
            'H' => TimeSpan.FromHours(amount),
            'M' => TimeSpan.FromMinutes(amount),
            'S' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMilliseconds(amount),
            'u' => TimeSpan.FromMicroseconds(amount),
            'n' => TimeSpan.FromTicks(amount / 100),
            _ => throw new FormatException($"invalid grpc-timeout: {value}"),
        };
    }
}
