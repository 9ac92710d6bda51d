"""The contract checks, tested as scikit-learn tests check_estimator: with broken implementations.

The hidden tests of each source notebook's test cells (what decides the points; the visible ones
are test_visible_checks.py's) run in process against the reference answers (all pass),
against every mutant (exactly the cells the mutant breaks fail) and against alternative-correct
implementations written in other styles (all pass). Cells that test trained models are left to
the nbgrader end-to-end tests, since training is what makes them slow.
"""

import pytest
from exercise_notebooks import (
    ASSIGNMENTS,
    EXERCISES,
    ROOT,
    graded_code_cells,
    mutated,
    run_in_process,
    source_notebook,
    trained_model_tests,
    with_sources,
)
from mutants import ALTERNATIVES, MUTANTS

# Test cells of trained models, found in the notebooks (their hidden tests use what a training
# cell makes): test_trained_autoencoder, test_denoising, test_few_labels_experiment, ...
TRAINED_MODEL_TESTS = frozenset().union(
    *(trained_model_tests(source_notebook(a)) for a in ASSIGNMENTS))


def failing(results):
    return {grade_id for grade_id, error in results.items() if error is not None}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_answers_pass_every_test_cell(assignment):
    notebook = source_notebook(assignment)
    results = run_in_process(notebook, TRAINED_MODEL_TESTS, EXERCISES / assignment)
    assert set(results) == set(graded_code_cells(notebook)) - TRAINED_MODEL_TESTS
    assert {g: e for g, e in results.items() if e} == {}


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_mutant_fails_exactly_the_cells_of_the_property_it_breaks(mutant):
    notebook = mutated(source_notebook(mutant.assignment), mutant.grade_id, mutant.old, mutant.new)
    results = run_in_process(notebook, TRAINED_MODEL_TESTS, EXERCISES / mutant.assignment)
    assert failing(results) == mutant.loses, {g: results[g] for g in failing(results)}
    for grade_id in mutant.loses:  # the student is told what went wrong, in Spanish
        assert results[grade_id] and len(results[grade_id]) > 20


@pytest.mark.parametrize("name", sorted(ALTERNATIVES))
def test_alternative_correct_implementation_passes_every_test_cell(name):
    assignment, sources = ALTERNATIVES[name]
    notebook = with_sources(source_notebook(assignment), sources)
    results = run_in_process(notebook, TRAINED_MODEL_TESTS, EXERCISES / assignment)
    assert {g: e for g, e in results.items() if e} == {}


def test_trained_model_tests_are_found_in_the_notebooks():
    assert {"test_trained_autoencoder", "test_denoising", "test_few_labels_experiment",
            "test_trained_vae", "test_conditional_generation"} <= TRAINED_MODEL_TESTS
    assert not TRAINED_MODEL_TESTS & {"test_vae_generate", "test_cvae_generate", "test_encoder"}


def test_catalogue_covers_every_property_with_a_mutant():
    broken = set().union(*(m.loses for m in MUTANTS))
    graded = set().union(*(graded_code_cells(source_notebook(a)) for a in ASSIGNMENTS))
    assert graded - TRAINED_MODEL_TESTS - broken == set()


def test_readme_states_the_catalogue_sizes():
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    mutants, alternatives = len(MUTANTS), len(ALTERNATIVES)
    for claim in (
        f"tested with {mutants} deliberately broken implementations",
        f"and {alternatives} correct ones written in other styles",
        f"**Tested:** {mutants} mutants",
        f"{alternatives} alternative-correct implementations",
        f"the contract checks against {mutants} mutants and {alternatives} alternative",
    ):
        assert claim in readme, claim
