namespace Dstack.Core.Settings;

/// <summary>One host of an <c>ssh</c> backend.</summary>
/// <param name="Host">The host name or address.</param>
/// <param name="Port">The SSH port. <value>The default value is 22.</value></param>
/// <param name="User">The user to log in as, or null for the current user.</param>
/// <param name="IdentityFile">The private key (absolute, <c>~</c> expanded), or null for dstack's own key.</param>
/// <param name="DstackDirectory">
/// The folder on the host for jobs and environments (<c>dstack_dir</c>; <c>~</c> is the remote user's home).
/// <value>The default value is <c>~/.dstack/instance</c>.</value>
/// </param>
/// <param name="Blocks">How many jobs the host may run at once (<c>blocks</c>); they share all of its resources. <value>The default value is 1.</value></param>
/// <param name="Labels">The user's names for the host (<c>labels</c>), shown with its offers and usable to filter them, or null.</param>
public sealed record SshHostSettings(string Host, int Port = 22, string? User = null, string? IdentityFile = null, string? DstackDirectory = null, int Blocks = 1, IReadOnlyList<string>? Labels = null)
{
    /// <summary>The folder on the host used when <c>dstack_dir</c> is not set.</summary>
    public const string DefaultDstackDirectory = "~/.dstack/instance";
}
