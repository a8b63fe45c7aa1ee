// The console's Mantine theme: compact, neutral, indigo accents (in the spirit of Linear and
// the Zendesk agent workspace), system fonts only (nothing loaded from elsewhere).
import { createTheme, type MantineColorsTuple } from '@mantine/core';

const brand: MantineColorsTuple = ['#eef0ff', '#dce0fb', '#b6bdf1', '#8d98e8', '#6b78e0', '#5563db', '#4a59da', '#3b4ac2', '#3341ae', '#27379a'];

export const theme = createTheme({
  primaryColor: 'brand',
  colors: { brand },
  primaryShade: { light: 6, dark: 5 },
  fontFamily: 'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  fontFamilyMonospace: 'ui-monospace, "SF Mono", "JetBrains Mono", Menlo, Consolas, monospace',
  headings: { fontWeight: '600' },
  defaultRadius: 'md',
  cursorType: 'pointer',
  components: {
    Button: { defaultProps: { size: 'sm' } },
    Badge: { defaultProps: { radius: 'sm' }, styles: { root: { textTransform: 'none', fontWeight: 600, letterSpacing: 0 } } },
    Tooltip: { defaultProps: { openDelay: 300, withArrow: true } },
  },
});
