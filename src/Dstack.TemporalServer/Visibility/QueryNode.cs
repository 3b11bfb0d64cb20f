namespace Dstack.TemporalServer.Visibility;

// Syntax tree as the parser sees it; names and literals are checked against attribute types only
// when compiling, in the same order as the server, so the first reported error matches.
internal abstract record QueryNode;
