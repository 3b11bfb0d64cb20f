namespace Dstack.Cli.Runs;

/// <summary>Short names of repositories for tables, where a whole remote URL would crowd out the other columns.</summary>
internal static class RepoNames
{
    /// <summary>
    /// The last part of a repository id, without <c>.git</c>: <c>https://github.com/acme/models.git</c>,
    /// <c>git@github.com:acme/models.git</c> and a folder named <c>models</c> are all <c>models</c>.
    /// </summary>
    public static string Short(string repoId)
    {
        ArgumentNullException.ThrowIfNull(repoId);
        var name = repoId.Trim().TrimEnd('/');
        if (name.EndsWith(".git", StringComparison.OrdinalIgnoreCase))
        {
            name = name[..^4];
        }

        var cut = name.LastIndexOfAny(['/', ':', '\\']);
        return cut >= 0 && cut < name.Length - 1 ? name[(cut + 1)..] : name;
    }
}
