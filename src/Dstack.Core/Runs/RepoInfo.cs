namespace Dstack.Core.Runs;

/// <summary>Where the code of a run came from.</summary>
/// <param name="RepoId">A stable name of the repository (its remote URL, or the folder name outside Git).</param>
/// <param name="RemoteUrl">The origin URL, or null.</param>
/// <param name="Branch">The branch, or null (detached head, or outside Git).</param>
/// <param name="Commit">The commit, or null outside Git.</param>
/// <param name="Dirty">True when tracked files differ from the commit or untracked files were included.</param>
public sealed record RepoInfo(string RepoId, string? RemoteUrl, string? Branch, string? Commit, bool Dirty);
