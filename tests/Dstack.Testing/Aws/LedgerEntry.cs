namespace Dstack.Testing.Aws;

/// <summary>One instance's bill: seconds from running to termination (or to now, while it runs) at its price.</summary>
public sealed record LedgerEntry(string InstanceId, string Region, string InstanceType, bool Spot, string Run, decimal PricePerHour, double Seconds, bool Live)
{
    public decimal Cost => PricePerHour * (decimal)Seconds / 3600m;
}
