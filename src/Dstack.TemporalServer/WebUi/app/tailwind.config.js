import defaultTheme from 'tailwindcss/defaultTheme';

// The package exports only its JavaScript modules, so its Tailwind preset is loaded by file path.
import temporal from './node_modules/@temporalio/ui/dist/theme/preset.js';

/** @type {import('tailwindcss').Config} */
export default {
  presets: [temporal],
  content: ['./src/**/*.{html,js,svelte,ts}', './node_modules/@temporalio/ui/dist/**/*.{js,svelte}'],
  darkMode: ['selector', '[data-theme="dark"]'],
  theme: {
    fontFamily: {
      sans: ['Inter Variable', 'Inter', ...defaultTheme.fontFamily.sans],
      mono: ['Noto Sans Mono', ...defaultTheme.fontFamily.mono],
    },
    extend: {
      animation: { 'spin-slow': 'spin 3s linear infinite' },
      zIndex: { 100: '100' },
    },
  },
};
