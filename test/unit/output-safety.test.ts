/**
 * The checker the adversarial probes use to judge the CLI's output (test/support/output-safety.ts):
 * it must flag what the runner, a Markdown renderer or a terminal would act on, and pass the
 * CLI's own escaped forms.
 */
import { strict as assert } from 'node:assert';
import { brokenTableRows, foreignWorkflowCommands, formatOf, unsafeOutput } from '../support/output-safety';

describe('output safety checker (adversarial probes)', () => {
  it('reads the format from the arguments', () => {
    assert.equal(formatOf(['count', '--json', '.']), 'json');
    assert.equal(formatOf(['check', '--github', '--budget', '1']), 'github');
    assert.equal(formatOf(['count', '--markdown']), 'markdown');
    assert.equal(formatOf(['count', '.']), 'table');
  });

  describe('workflow commands', () => {
    const own = '::error file=a.json,line=1,title=Token Lens::over the budget';
    it('passes the CLI’s own annotations, and anything inside a stop-commands block', () => {
      assert.deepEqual(foreignWorkflowCommands(`${own}\n::notice title=Token Lens::offline\n::stop-commands::abc\n::error file=x::pwned\n##[error]x\n::abc::\nrest\n`), []);
    });
    it('flags a command a name started on its own line, before or after the block', () => {
      assert.deepEqual(foreignWorkflowCommands(`${own}\n::error file=x::pwned.json\n`), ['::error file=x::pwned.json']);
      assert.deepEqual(foreignWorkflowCommands('::stop-commands::abc\ntext\n::abc::\n  ::add-mask::secret\n'), ['  ::add-mask::secret']);
    });
    it('flags a command whose title a name rewrote, and the legacy ##[ form', () => {
      assert.equal(foreignWorkflowCommands('::error file=x,title=Pwned::m\n').length, 1);
      assert.equal(foreignWorkflowCommands('##[error]x\n').length, 1);
    });
    it('reads an escaped property as the runner does (%3A is a colon)', () => {
      assert.deepEqual(foreignWorkflowCommands('::error file=%3A%3Aerror file=x%3A%3Apwned.json,line=1,title=Token Lens::m\n'), []);
      assert.equal(foreignWorkflowCommands('::warning file=a,title=Token%20Lens::m\n').length, 1);
    });
    it('does not resume on a token other than the block’s own', () => {
      assert.deepEqual(foreignWorkflowCommands('::stop-commands::abc\n::t::\n::error file=x::pwned\n'), []);
    });
  });

  describe('Markdown tables', () => {
    const header = '| File | Model |\n|---|---|\n';
    it('passes escaped pipes, inside code spans as well', () => {
      assert.deepEqual(brokenTableRows(`${header}| \\| a \\| | \`m\` |\n`), []);
    });
    it('flags a row a raw pipe split, even inside a code span', () => {
      assert.equal(brokenTableRows(`${header}| a | b | c |\n`).length, 1);
      assert.equal(brokenTableRows(`${header}| \`a|b\` | m |\n`).length, 1);
    });
  });

  describe('unsafeOutput', () => {
    it('flags raw control and bidi characters in a table, but not in --json stdout', () => {
      assert.equal(unsafeOutput({ stdout: 'a\u001b[31mred.json 10\n', stderr: '' }, 'table').length, 1);
      assert.equal(unsafeOutput({ stdout: '', stderr: 'x\u202eevil\n' }, 'table').length, 1);
      assert.equal(unsafeOutput({ stdout: 'a\rb\n', stderr: '' }, 'github').length, 1);
      assert.deepEqual(unsafeOutput({ stdout: '{"path":"\u202e"}\n', stderr: '' }, 'json'), []);
      assert.deepEqual(unsafeOutput({ stdout: 'a\\x1b[31mred.json 10\n', stderr: 'x\\u202eevil\n' }, 'table'), []);
    });
    it('flags raw HTML in --markdown, not the report’s own <sub> or an entity', () => {
      assert.equal(unsafeOutput({ stdout: '| <script>x</script> |\n', stderr: '' }, 'markdown').length, 1);
      assert.deepEqual(unsafeOutput({ stdout: '| &lt;script&gt; |\n\n<sub>Token Lens</sub>\n<!-- token-lens -->\n', stderr: '' }, 'markdown'), []);
    });
  });
});
