using Temporalio.Common;

namespace Dstack.Workflows;

/// <summary>
/// The custom search attributes of runs, so <c>dstack ps</c> and the Temporal Web UI can list and filter them.
/// Secrets and environment values never go here.
/// </summary>
public static class DstackSearchAttributes
{
    public static readonly SearchAttributeKey<string> Workflow = SearchAttributeKey.CreateKeyword("DstackWorkflow");
    public static readonly SearchAttributeKey<string> Repo = SearchAttributeKey.CreateKeyword("DstackRepo");
    public static readonly SearchAttributeKey<string> Backend = SearchAttributeKey.CreateKeyword("DstackBackend");
    public static readonly SearchAttributeKey<string> Status = SearchAttributeKey.CreateKeyword("DstackStatus");
    public static readonly SearchAttributeKey<IReadOnlyCollection<string>> Tags = SearchAttributeKey.CreateKeywordList("DstackTags");
    public static readonly SearchAttributeKey<string> User = SearchAttributeKey.CreateKeyword("DstackUser");

    /// <summary>Gets every key, to register them on first use.</summary>
    public static IReadOnlyList<SearchAttributeKey> All { get; } = [Workflow, Repo, Backend, Status, Tags, User];
}
