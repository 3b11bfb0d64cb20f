using System.Reflection;
using System.Text.Json.Serialization;
using Dstack.Core.Settings;
using Dstack.Workflows.Contracts;

namespace Dstack.Workflows.Tests.Connection;

/// <summary>
/// Workflow and activity payloads go into Temporal's history, where anyone who can read the namespace sees them: no
/// settings type (and so no API key or private key) may be part of one.
/// </summary>
public sealed class WorkflowPayloadSecretsTests
{
    [Fact]
    public void NoPayloadType_ReachesASettingsType()
    {
        // Every type the workflow and its activities exchange is listed on the payload serializer context.
        var roots = typeof(PayloadJsonContext).GetCustomAttributesData()
            .Where(a => a.AttributeType == typeof(JsonSerializableAttribute))
            .Select(a => (Type)a.ConstructorArguments[0].Value!);
        var seen = new HashSet<Type>();
        var pending = new Stack<Type>(roots);
        while (pending.TryPop(out var type))
        {
            if (!seen.Add(type))
            {
                continue;
            }

            foreach (var next in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.PropertyType)
                .Concat(type.IsGenericType ? type.GetGenericArguments() : [])
                .Concat(type.IsArray ? [type.GetElementType()!] : []))
            {
                pending.Push(next);
            }
        }

        Assert.Contains(typeof(RunWorkflowInput), seen);
        Assert.DoesNotContain(seen, t => t.Namespace == typeof(TemporalSettings).Namespace);
    }
}
