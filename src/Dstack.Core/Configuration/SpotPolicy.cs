namespace Dstack.Core.Configuration;

/// <summary>Whether a run may use spot (interruptible) instances.</summary>
public enum SpotPolicy
{
    /// <summary><c>on-demand</c>: on-demand instances only (the default).</summary>
    OnDemand,

    /// <summary><c>spot</c>: spot instances only.</summary>
    Spot,

    /// <summary><c>auto</c>: spot and on-demand compete on price; spot is tried first.</summary>
    Auto,
}
