/*
 * true_prog - exits 0 and does nothing else: what bench/cost_create
 * posix_spawns, so that the spawn rows time creating a process and loading
 * a program, not what the program does. Linked statically (see the
 * Makefile), so no dynamic loader runs either.
 */
int main(void)
{
	return 0;
}
