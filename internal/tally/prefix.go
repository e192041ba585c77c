package tally

import (
	"context"

	"guanai/internal/storage"
)

// Prefixed returns every counter at node ("" for all of China) whose key
// begins with prefix, by key; keys whose count is 0 (counted once, no
// longer) are left out. The prefix is matched literally (as a key range,
// see PrefixEnd), so a breakdown whose values are open-ended (birth
// years, ethnicities, days) is one indexed read.
func Prefixed(ctx context.Context, q storage.Querier, node, prefix string) (map[string]int, error) {
	return Keys(ctx, q, node, prefix, PrefixEnd(prefix))
}

// PrefixedChildren is Prefixed for each child node of node that has any
// such counter (child node code → key → n, zeros left out); as with
// Children, child nodes with nothing counted are absent.
func PrefixedChildren(ctx context.Context, q storage.Querier, node, prefix string) (map[string]map[string]int, error) {
	return ChildKeys(ctx, q, node, prefix, PrefixEnd(prefix))
}
