// Imported first by every handler entry. Each handler parses a given shape once or a few times per
// container, so zod's JIT (a `new Function` probe, then a compiled parser per object schema) costs more at
// a cold start than it ever saves; the plain parser gives the same results.
import * as z from "zod/mini";

z.config({ jitless: true });
